/**
 * macOS releases from the MacAdmins SOFA feed (`macos_data_feed.json`, v1): per major, its name,
 * latest version and date, and the CVEs that release fixed.
 *
 * The feed is untrusted input: only the fields read here are validated (the rest, XProtect and
 * model data, is ignored), and anything odd is an error rather than a guess.
 *
 *   const releases = parseSofaMacosFeed(await response.text());
 */
import { z } from "zod";
import type { MacosRelease } from "../schema.ts";

export const SOFA_DEFAULT_URL = "https://sofafeed.macadmins.io/v1/macos_data_feed.json";

/**
 * Apple ships security updates for the current macOS and the two before it; SOFA lists older
 * majors too (with their last release), which the catalog keeps as unsupported.
 */
export const SUPPORTED_MACOS_MAJORS = 3;

const dotted = /^\d{1,5}(\.\d{1,6}){0,3}$/;
const feedDate = z.string().regex(/^\d{4}-\d{2}-\d{2}(T.*)?$/, "an ISO date");

const SofaRelease = z.object({
  ProductVersion: z.string().max(64),
  ReleaseDate: feedDate,
  UniqueCVEsCount: z.number().int().nonnegative().max(100_000).optional(),
});

const SofaOsVersion = z.object({
  OSVersion: z.string().regex(/^[A-Za-z ]{1,48} \d{2,4}$/, 'a name and major such as "Tahoe 26"'),
  Latest: SofaRelease,
  SecurityReleases: z.array(SofaRelease).max(500),
});

const SofaFeed = z.object({ OSVersions: z.array(SofaOsVersion).min(1).max(50) });

export class FeedError extends Error {
  override name = "FeedError";
}

/** Parses JSON text, naming the feed on failure (a truncated download is the usual cause). */
export function parseJsonFeed(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FeedError(`${what} is not valid JSON (truncated?): ${(error as Error).message}`);
  }
}

const day = (iso: string) => iso.slice(0, 10);

/** The catalog's macOS releases in the feed, newest major first. */
export function parseSofaMacosFeed(text: string): MacosRelease[] {
  const parsed = SofaFeed.safeParse(parseJsonFeed(text, "the SOFA feed"));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FeedError(`the SOFA feed does not have the expected shape: ${issue.path.join(".")}: ${issue.message}`);
  }
  const majors = parsed.data.OSVersions.map((os) => {
    const [name, majorText] = [os.OSVersion.slice(0, os.OSVersion.lastIndexOf(" ")), os.OSVersion.slice(os.OSVersion.lastIndexOf(" ") + 1)];
    const major = Number(majorText);
    // Rapid Security Responses ("13.4.1 (c)") are not versions an agent reports; skip them.
    const releases = os.SecurityReleases.filter((r) => dotted.test(r.ProductVersion));
    const latest = dotted.test(os.Latest.ProductVersion) ? os.Latest : releases[0];
    if (!latest) throw new FeedError(`the SOFA feed lists no release for macOS ${major}`);
    if (Number(latest.ProductVersion.split(".")[0]) !== major) throw new FeedError(`the SOFA feed's latest macOS ${major} is ${latest.ProductVersion}`);
    // The feed keeps a limited history: the x.0 release when listed, else the oldest one listed
    // (the major was out by then), which is all `released` is used for.
    const first = releases.find((r) => r.ProductVersion === `${major}.0` || r.ProductVersion === `${major}`) ?? releases.at(-1) ?? latest;
    const sameAsLatest = releases.find((r) => r.ProductVersion === latest.ProductVersion);
    const cves = latest.UniqueCVEsCount ?? sameAsLatest?.UniqueCVEsCount;
    return {
      major,
      name: name.trim(),
      released: day(first.ReleaseDate),
      latest: latest.ProductVersion,
      latestReleased: day(latest.ReleaseDate),
      ...(cves !== undefined ? { latestCves: cves } : {}),
    };
  });
  const byMajor = [...majors].sort((a, b) => b.major - a.major);
  return byMajor.map((r, i) => ({ ...r, supported: i < SUPPORTED_MACOS_MAJORS }));
}
