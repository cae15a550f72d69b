/**
 * `facet os-catalog show|update|build|import`: the OS release catalog behind dynamic OS version
 * requirements.
 *
 *   facet os-catalog update                      # the connector fetches its sources now, prints what changed
 *   facet os-catalog show                        # releases, and each source: when confirmed, what it said
 *   facet os-catalog build --from macos_data_feed.json ubuntu.md … -o catalog.json   # offline, for air-gapped sites
 *   facet os-catalog import catalog.json
 *
 * `build` runs here, not on the connector: it reads saved feed files and writes a catalog file
 * (os-catalog-build.ts).
 *
 * Every field shown comes from feeds on the internet (through the connector or saved files), so
 * each goes through `escapeControl` (terminal-safe.ts): a release name cannot move the cursor,
 * retitle the terminal or forge a row.
 */
import type { Command } from "commander";
import { CATALOG_PLATFORMS } from "../api/os-catalog.ts";
import type { FacetClient } from "./client.ts";
import { registerOsCatalogBuild } from "./os-catalog-build.ts";
import { readCatalogFile, t } from "./os-catalog-files.ts";
import { print, printJson } from "./output.ts";
import { renderTable } from "./table.ts";

type Json = Record<string, any>;

/** The catalog's age in one line; a stale one says what it costs and how to fix it. */
export function freshnessLine(f: Json): string {
  const confirmed = t(String(f.confirmedAt ?? f.publishedAt).slice(0, 10));
  if (!f.stale) return `confirmed ${confirmed}, ${t(f.ageDays)} days ago (limit ${t(f.maxAgeDays)} days): current, stale from ${t(f.staleFrom)}`;
  const why = f.datedInFuture ? `confirmation dated ${confirmed}, in the future` : `last confirmed ${confirmed}, ${t(f.ageDays)} days ago, past the ${t(f.maxAgeDays)}-day limit since ${t(f.staleFrom)}`;
  return `STALE: ${why}. Checks against the latest OS release or patch are UNKNOWN (never PASS) until it is updated: facet os-catalog update (or facet os-catalog import <file>)`;
}

function sourceLines(sources: Json[]): string {
  return renderTable(
    ["SOURCE", "LAST CONFIRMED", "LAST ATTEMPT", "SAID / LAST ERROR"],
    sources.map((s) => [`${t(s.id)} ${t(s.url)}`, t(s.lastConfirmedAt, "never"), t(s.lastAttemptAt, "never"), s.lastError ? `ERROR: ${t(s.lastError)}` : t(s.said)]),
  );
}

export function registerOsCatalogCommands(program: Command, client: () => FacetClient): void {
  const catalog = program.command("os-catalog").description("the OS release catalog behind dynamic OS version requirements");

  catalog
    .command("show")
    .description("the catalog in force, its age per platform, and each source: when last confirmed and what it said")
    .option("--json", "print the catalog itself as JSON (importable); freshness and sources are in GET /v1/os-catalog")
    .action(async (o: { json?: boolean }) => {
      const r = await client().request<Json>("GET", "/v1/os-catalog");
      if (o.json) return printJson(r.catalog);
      const c = r.catalog;
      print(`OS catalog ${t(c.version)} (${t(r.source)}), published ${t(c.publishedAt)}`);
      if (r.freshness) print(freshnessLine(r.freshness));
      if (r.platforms) for (const p of CATALOG_PLATFORMS) if (r.platforms[p]) print(`  ${p.padEnd(8)}${freshnessLine(r.platforms[p])}${c.sources?.[p] ? ` — from ${t(c.sources[p].from)}` : ""}`);
      print("");
      print(renderTable(["macOS", "NAME", "LATEST", "RELEASED", "SUPPORTED"], c.macos.map((m: Json) => [t(m.major), t(m.name), t(m.latest), t(m.latestReleased), m.supported ? "yes" : "no"])));
      print("");
      print(renderTable(["WINDOWS", "RELEASE", "BUILD", "LATEST UBR", "END OF SUPPORT"], c.windows.map((w: Json) => [t(w.product), t(w.release), t(w.build), `${t(w.updates.at(-1)?.ubr)} (${t(w.updates.at(-1)?.date)})`, t(w.endOfSupport)])));
      if (r.sources) {
        print("");
        print(sourceLines(r.sources));
      }
    });

  catalog
    .command("update")
    .description("update the catalog from its sources now (the connector fetches them); prints what changed")
    .option("--json", "print the report as JSON")
    .action(async (o: { json?: boolean }) => {
      // Up to three feeds, each bounded by the connector's fetch timeout.
      const r = await client().request<Json>("POST", "/v1/os-catalog/update", undefined, {}, 180_000);
      if (o.json) return printJson(r);
      if (r.changes.length > 0) {
        print(`OS catalog ${t(r.previous)} → ${t(r.version)}:`);
        for (const line of r.changes) print(`  ${t(line)}`);
      } else print(`OS catalog ${t(r.version)}: no release changed`);
      for (const s of r.sources as Json[]) print(s.lastError ? `${t(s.id)}: FAILED: ${t(s.lastError)}` : `${t(s.id)}: confirmed (${t(s.said)})`);
      if (r.freshness) print(freshnessLine(r.freshness));
      if (r.outcome === "failed") process.exitCode = 1;
    });

  registerOsCatalogBuild(catalog);

  catalog
    .command("import <file>")
    .description("import a catalog file (from `facet os-catalog build`) into the connector")
    .action(async (file: string) => {
      const r = await client().request<Json>("PUT", "/v1/os-catalog", undefined, readCatalogFile(file));
      print(`imported OS catalog ${t(r.imported)} (was ${t(r.previous)})`);
      if (r.freshness?.stale) print(`warning: ${freshnessLine(r.freshness)}`);
    });
}
