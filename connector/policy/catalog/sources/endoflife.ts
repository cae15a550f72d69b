/**
 * Release cycles from endoflife.date: Linux distributions (supported releases, latest point
 * release, end of support) and Windows feature releases (build, release date, end of servicing).
 *
 * The source is the product file endoflife.date's site and API are generated from
 * (`products/<product>.md` in github.com/endoflife-date/endoflife.date: YAML front matter with a
 * `releases` list), so recordings carry a commit and air-gapped mirrors can serve plain files.
 * The YAML is untrusted input: parsed with aliases capped, then validated field by field.
 *
 *   const ubuntu = linuxDistroFromEndOfLife(text, LINUX_DISTROS[0], now);
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { LinuxDistro, WindowsRelease } from "../schema.ts";
import { FeedError } from "./sofa.ts";

export const ENDOFLIFE_DEFAULT_URL = "https://raw.githubusercontent.com/endoflife-date/endoflife.date/master/products/{product}.md";

/** The distributions the catalog follows: endoflife.date's product id and the `os.name`s agents report. */
export const LINUX_DISTROS: readonly { id: string; product: string; names: string[] }[] = [
  { id: "ubuntu", product: "ubuntu", names: ["Ubuntu"] },
  { id: "debian", product: "debian", names: ["Debian", "Debian GNU/Linux"] },
  { id: "fedora", product: "fedora", names: ["Fedora", "Fedora Linux"] },
  { id: "rhel", product: "rhel", names: ["Red Hat Enterprise Linux"] },
];
export const WINDOWS_PRODUCT = "windows";

const date = z.union([z.date(), z.string().regex(/^\d{4}-\d{2}-\d{2}$/)]).transform((d) => (typeof d === "string" ? d : d.toISOString().slice(0, 10)));
/** endoflife.date writes `eol: true` / `false` when the day is unknown. */
const dateOrFlag = z.union([date, z.boolean()]);
const scalar = z.union([z.string().max(64), z.number()]).transform(String);

const Cycle = z.object({
  releaseCycle: scalar,
  releaseDate: date,
  eol: dateOrFlag.optional(),
  latest: scalar.optional(),
  latestReleaseDate: date.optional(),
});
export type EndOfLifeCycle = z.infer<typeof Cycle>;

const FrontMatter = z.object({ releases: z.array(z.unknown()).min(1).max(500) });

/** The `releases` of a product file; cycles this parser cannot read are skipped, not guessed. */
export function parseEndOfLifeProduct(text: string, product: string): EndOfLifeCycle[] {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\s*(\r?\n|$)/.exec(text);
  if (!match) throw new FeedError(`endoflife.date ${product}: no front matter (truncated or not a product file?)`);
  let yaml: unknown;
  try {
    yaml = parseYaml(match[1]!, { maxAliasCount: 10, prettyErrors: false });
  } catch (error) {
    throw new FeedError(`endoflife.date ${product}: the front matter is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const front = FrontMatter.safeParse(yaml);
  if (!front.success) throw new FeedError(`endoflife.date ${product}: no releases list`);
  const cycles = front.data.releases.flatMap((raw) => {
    const cycle = Cycle.safeParse(raw);
    return cycle.success ? [cycle.data] : [];
  });
  if (cycles.length === 0) throw new FeedError(`endoflife.date ${product}: no readable release cycle`);
  return cycles;
}

const dotted = /^\d{1,5}(\.\d{1,6}){0,3}$/;
const dayMs = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

/**
 * A distribution's releases out by `now`. A cycle announced for a later date is not a release
 * yet; one marked ended without a date (`eol: true`, only very old ones) is left out, so a device
 * on it is "not a supported release", which is what it is.
 */
export function linuxDistroFromEndOfLife(text: string, distro: (typeof LINUX_DISTROS)[number], now: number): LinuxDistro {
  const releases = parseEndOfLifeProduct(text, distro.product).flatMap((c) => {
    if (!dotted.test(c.releaseCycle) || dayMs(c.releaseDate) > now || c.eol === true) return [];
    const latest = c.latest !== undefined && dotted.test(c.latest) ? c.latest : c.releaseCycle;
    return [{ version: c.releaseCycle, released: c.releaseDate, latest, ...(typeof c.eol === "string" ? { endOfSupport: c.eol } : {}) }];
  });
  if (releases.length === 0) throw new FeedError(`endoflife.date ${distro.product}: no release out yet`);
  return { id: distro.id, names: distro.names, releases };
}

/**
 * Windows 10/11 feature releases with their build and end of servicing. endoflife.date lists
 * Enterprise/Education (`-e`) and Home/Pro (`-w`) servicing separately; the catalog keeps the
 * Enterprise/Education date (the longer one, as managed fleets get), and skips LTSC and IoT
 * channels, which are versioned apart.
 */
export interface WindowsCycle {
  product: WindowsRelease["product"];
  release: string;
  build: number;
  released: string;
  endOfSupport?: string;
}

/**
 * 26H1 ships only preinstalled on new Arm devices and cannot be installed on others, so it must
 * not become the "latest release" every other device is measured against.
 */
export const HARDWARE_ONLY_WINDOWS_RELEASES = new Set(["26H1"]);

export function windowsCyclesFromEndOfLife(text: string, now: number): WindowsCycle[] {
  const cycles = parseEndOfLifeProduct(text, WINDOWS_PRODUCT);
  const byRelease = new Map<string, WindowsCycle & { enterprise: boolean }>();
  for (const c of cycles) {
    const m = /^(10|11)-(\d{2}h\d|\d{4})(-(e|w))?$/.exec(c.releaseCycle);
    const build = /^10\.0\.(\d{5,6})$/.exec(c.latest ?? "");
    if (!m || !build || dayMs(c.releaseDate) > now) continue;
    const release = m[2]!.toUpperCase();
    if (HARDWARE_ONLY_WINDOWS_RELEASES.has(release)) continue;
    const key = `${m[1]}-${release}`;
    const enterprise = m[4] !== "w";
    const known = byRelease.get(key);
    if (known?.enterprise && !enterprise) continue;
    byRelease.set(key, {
      product: m[1] === "11" ? "WINDOWS_11" : "WINDOWS_10",
      release,
      build: Number(build[1]),
      released: c.releaseDate,
      ...(typeof c.eol === "string" ? { endOfSupport: c.eol } : {}),
      enterprise,
    });
  }
  return [...byRelease.values()].map(({ enterprise: _, ...cycle }) => cycle);
}
