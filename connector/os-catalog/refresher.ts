/**
 * The connector keeps its OS release catalog current by itself: one update shortly after start,
 * then one every `intervalMs` with ±10 % jitter (so replicas and sites do not hit the feeds in
 * step). Replicas share catalog and source state through the store, so a replica whose turn comes
 * soon after another's attempt skips it. Nothing here blocks startup: the first update runs in
 * the background, every request bounded by the fetch timeout.
 *
 * When the sources cannot be reached the first time, the log says so once, with the commands that
 * fix it; later failures are one line each.
 *
 *   const refresher = startCatalogRefresher({ store, now, log, sources, intervalMs: 86_400_000, timeoutMs: 30_000 });
 *   await refresher.stop();
 */
import type { Logger } from "pino";
import type { Store } from "../store/types.ts";
import type { CatalogSources } from "./sources.ts";
import { readSourceStates, updateOsCatalog, type UpdateDeps, type UpdateReport } from "./update.ts";

export interface RefresherOptions {
  store: Store;
  catalogs: UpdateDeps["catalogs"];
  now: () => number;
  log: Logger;
  sources: CatalogSources;
  intervalMs: number;
  timeoutMs: number;
  random?: () => number;
}

export interface CatalogRefresher {
  /** The update started at start-up (null when another replica's recent attempt made it unnecessary). */
  readonly first: Promise<UpdateReport | null>;
  stop(): Promise<void>;
}

/** What to run when the connector cannot reach the feeds, for the log line that says so. */
export const UNREACHABLE_HELP =
  "Run `facet os-catalog update` once the connector can reach them (it names each source and why it failed), or on an air-gapped site save the feeds on a machine with internet, run `facet os-catalog build --from <saved feeds…> -o catalog.json` there and `facet os-catalog import catalog.json` here";

export function startCatalogRefresher(options: RefresherOptions): CatalogRefresher {
  const { store, log, intervalMs } = options;
  const random = options.random ?? Math.random;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let warnedUnreachable = false;
  let stopped = false;

  async function due(): Promise<boolean> {
    const states = await readSourceStates(store, options.sources);
    const last = Math.max(0, ...states.map((s) => (s.lastAttemptAt ? Date.parse(s.lastAttemptAt) : 0)));
    // Another replica tried recently: its result is already in the store.
    return options.now() - last >= intervalMs * 0.5;
  }

  async function run(): Promise<UpdateReport | null> {
    if (stopped || !(await due())) return null;
    const report = await updateOsCatalog({ store, catalogs: options.catalogs, now: options.now, sources: options.sources, timeoutMs: options.timeoutMs, log, signal: abort.signal });
    if (stopped) return report;
    const failed = report.sources.filter((s) => s.lastError);
    if (failed.length > 0) {
      const reasons = failed.map((s) => `${s.id}: ${s.lastError}`).join("; ");
      if (!warnedUnreachable) log.warn({ osCatalog: { version: report.version, failed: failed.map((s) => s.id) } }, `could not update the OS release catalog from its sources (${reasons}). ${UNREACHABLE_HELP}.`);
      else log.warn({ osCatalog: { failed: failed.map((s) => s.id) } }, `OS release catalog update failed: ${reasons}`);
      warnedUnreachable = true;
    } else log.info({ osCatalog: { version: report.version, outcome: report.outcome, changes: report.changes.length } }, `OS release catalog ${report.version} confirmed against its sources (${report.changes.length} changes)`);
    return report;
  }

  function schedule(): void {
    if (stopped) return;
    const delay = Math.round(intervalMs * (0.9 + 0.2 * random()));
    timer = setTimeout(() => {
      running = run()
        .catch((err: unknown) => log.error({ err }, "OS release catalog update crashed"))
        .finally(schedule);
    }, delay);
    timer.unref();
  }

  const first = run().catch((err: unknown) => {
    log.error({ err }, "OS release catalog update crashed");
    return null;
  });
  running = first.finally(schedule);

  return {
    first,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
      await running.catch(() => {});
    },
  };
}
