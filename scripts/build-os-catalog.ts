/**
 * Rebuilds the OS release catalog bundled with Facet (connector/policy/catalog/os-releases.json)
 * from saved copies of its feeds, on top of the catalog bundled now, so anyone can refresh it
 * before a release:
 *
 *   npx tsx scripts/build-os-catalog.ts --as-of 2026-08-22T08:52:34Z \
 *     macos_data_feed.json ubuntu.md debian.md fedora.md rhel.md windows.md [2026-Nov.json]
 *
 * `--as-of` is when the feeds were saved: it becomes the platforms' confirmation time (never the
 * time this script runs, which would make an old copy look fresh). Without files it rebuilds from
 * the recordings in connector/policy/catalog/sources/fixtures/ (see the README there for their
 * commits). A platform no file speaks for keeps its releases and its old confirmation date.
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assembleCatalog } from "../connector/policy/catalog/assemble.ts";
import { diffCatalogs } from "../connector/policy/catalog/diff.ts";
import { feedPartsFromTexts } from "../connector/policy/catalog/from-feeds.ts";
import { CATALOG_PLATFORMS, OsCatalogSchema } from "../connector/policy/catalog/schema.ts";
import { refuseUpdate } from "../connector/policy/catalog/validate-update.ts";

const root = new URL("..", import.meta.url).pathname;
const target = join(root, "connector/policy/catalog/os-releases.json");
const fixtures = join(root, "connector/policy/catalog/sources/fixtures");
/** The newest recordings' snapshot (endoflife.date @ a70eca33, SOFA @ 5f1844e3, both 2026-08-22). */
const RECORDED_AS_OF = "2026-08-22T08:52:34Z";

const args = process.argv.slice(2);
const asOfIndex = args.indexOf("--as-of");
const asOfText = asOfIndex >= 0 ? args.splice(asOfIndex, 2)[1] : undefined;
const files =
  args.length > 0
    ? args
    : readdirSync(fixtures)
        // The newest SOFA copy only, and no synthetic file in the bundled catalog.
        .filter((f) => (f.startsWith("endoflife-") || f === "sofa-macos_data_feed-2026-08-22.json") && !f.includes("synthetic"))
        .map((f) => join(fixtures, f));
const asOf = Date.parse(asOfText ?? (args.length > 0 ? "" : RECORDED_AS_OF));
if (Number.isNaN(asOf)) {
  console.error("usage: build-os-catalog.ts --as-of <ISO time the feeds were saved> <feed files…>");
  process.exit(2);
}

const base = OsCatalogSchema.parse(JSON.parse(readFileSync(target, "utf8")));
const { parts, used } = feedPartsFromTexts(
  files.map((name) => ({ name: name.startsWith(root) ? name.slice(root.length) : name, text: readFileSync(name, "utf8") })),
  asOf,
);
const next = assembleCatalog(base, parts, asOf);
for (const platform of CATALOG_PLATFORMS) {
  const problem = refuseUpdate(base, next, platform, asOf);
  if (problem) {
    console.error(`refused: ${problem}`);
    process.exit(1);
  }
}
next.notes =
  "Bundled with Facet, built by scripts/build-os-catalog.ts from saved copies of its feeds (sources.*.from). The connector keeps it current itself (`facet os-catalog update`); air-gapped sites import one built with `facet os-catalog build`. endOfSupport is the vendor's end of security updates where published (for Windows the Enterprise/Education date).";
writeFileSync(`${target}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
renameSync(`${target}.tmp`, target);
for (const line of used) console.log(`read ${line}`);
console.log(`wrote ${target}: ${base.version} → ${next.version}`);
for (const line of diffCatalogs(base, next)) console.log(`  ${line}`);
for (const p of CATALOG_PLATFORMS) console.log(`${p}: confirmed ${next.sources?.[p]?.confirmedAt} (${next.sources?.[p]?.from})`);
