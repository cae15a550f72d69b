/**
 * Feed texts → FeedParts, recognising each by its content: a SOFA macOS feed (`OSVersions`), an
 * MSRC CVRF document (`DocumentTracking`) or an endoflife.date product file (front matter with a
 * `permalink`). `facet os-catalog build --from <files…>` uses it on saved files, so an air-gapped
 * site needs no more than the files a browser saved.
 *
 *   const { parts, used } = feedPartsFromTexts([{ name: "macos_data_feed.json", text }], now);
 */
import type { FeedParts } from "./assemble.ts";
import type { LinuxDistro } from "./schema.ts";
import { LINUX_DISTROS, linuxDistroFromEndOfLife, windowsCyclesFromEndOfLife, WINDOWS_PRODUCT } from "./sources/endoflife.ts";
import { parseMsrcCvrf, type MsrcUpdate } from "./sources/msrc.ts";
import { FeedError, parseSofaMacosFeed } from "./sources/sofa.ts";

export interface FeedText {
  /** A file name or URL: where the text came from, recorded in the catalog's `sources`. */
  name: string;
  text: string;
}

/** endoflife.date names the product in its front matter: `permalink: /ubuntu`. */
function endOfLifeProduct(text: string): string | null {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text)?.[1];
  return front ? (/^permalink:\s*\/([a-z0-9-]+)\s*$/m.exec(front)?.[1] ?? null) : null;
}

export function feedPartsFromTexts(feeds: FeedText[], now: number): { parts: FeedParts; used: string[] } {
  const parts: FeedParts = {};
  const used: string[] = [];
  const distros: LinuxDistro[] = [];
  const distroFrom: string[] = [];
  const updates: MsrcUpdate[] = [];
  const updatesFrom: string[] = [];
  for (const feed of feeds) {
    const head = feed.text.trimStart().slice(0, 1);
    if (head === "{") {
      if (/"OSVersions"\s*:/.test(feed.text)) {
        parts.macos = { releases: parseSofaMacosFeed(feed.text), from: feed.name };
        used.push(`${feed.name}: SOFA macOS feed`);
      } else if (/"DocumentTracking"\s*:/.test(feed.text)) {
        updates.push(...parseMsrcCvrf(feed.text));
        updatesFrom.push(feed.name);
        used.push(`${feed.name}: MSRC CVRF document`);
      } else throw new FeedError(`${feed.name}: neither a SOFA macOS feed nor an MSRC CVRF document`);
      continue;
    }
    const product = endOfLifeProduct(feed.text);
    const distro = LINUX_DISTROS.find((d) => d.product === product);
    if (distro) {
      distros.push(linuxDistroFromEndOfLife(feed.text, distro, now));
      distroFrom.push(feed.name);
      used.push(`${feed.name}: endoflife.date ${product}`);
    } else if (product === WINDOWS_PRODUCT) {
      parts.windowsReleases = { cycles: windowsCyclesFromEndOfLife(feed.text, now), from: feed.name };
      used.push(`${feed.name}: endoflife.date windows`);
    } else throw new FeedError(`${feed.name}: not a feed the catalog reads (SOFA macOS feed, MSRC CVRF document, endoflife.date ${[...LINUX_DISTROS.map((d) => d.product), WINDOWS_PRODUCT].join("/")} file)`);
  }
  if (distros.length > 0) parts.linux = { distros, from: distroFrom.join(", ") };
  if (updatesFrom.length > 0) parts.windowsUpdates = { updates: inDateOrder(updates), from: updatesFrom.join(", ") };
  return { parts, used };
}

/** Several monthly documents: applied oldest first, so each month appends to the history. */
function inDateOrder(updates: MsrcUpdate[]): MsrcUpdate[] {
  return [...updates].sort((a, b) => a.date.localeCompare(b.date) || a.ubr - b.ubr);
}
