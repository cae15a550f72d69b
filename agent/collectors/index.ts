/**
 * Runs every family's collector concurrently and assembles the facts document.
 *
 * Each family gets a deadline; a family that throws or misses it becomes `null` with the reason,
 * so one stuck probe never holds up or breaks the snapshot. Families with `cacheForMs` (hardware)
 * are reused from memory between runs of the long-lived agent. On Windows every probe shares one
 * PowerShell session, closed when the run ends. The assembled document is then fitted to the
 * shared schema (conform.ts), so one odd value never gets a whole snapshot rejected.
 *
 * @example
 *   const { facts, unknown, durationMs } = await collectFacts();
 */
import { FACET_VENDOR_KEY, type Facts } from "../../shared/facts/schema.ts";
import type { Collected, Collector, Family, FamilyResult } from "./types.ts";
import { conformFacts } from "./conform.ts";
import { createContext, errorMessage, type ProbeContext } from "./probe.ts";
import { joinFactPath } from "../../shared/facts/paths.ts";
import { hardwareCollector } from "./hardware/index.ts";
import { osCollector } from "./os/index.ts";
import { disksCollector } from "./disks/index.ts";
import { networkCollector } from "./network/index.ts";
import { securityCollector } from "./security/index.ts";
import { softwareCollector } from "./software/index.ts";
import { usersCollector } from "./users/index.ts";
import { groupsCollector } from "./groups/index.ts";
import { processesCollector } from "./processes/index.ts";

type AnyCollector = { [K in Family]: Collector<K> }[Family];

export function defaultCollectors(ctx: ProbeContext): AnyCollector[] {
  return [
    osCollector(ctx), disksCollector(ctx), networkCollector(ctx), hardwareCollector(ctx), securityCollector(ctx),
    softwareCollector(ctx), processesCollector(ctx), usersCollector(ctx), groupsCollector(ctx),
  ];
}

export interface CollectOptions {
  /** Deadline per family. Default 20 s (Windows software and hotfix queries are the slow ones). */
  familyTimeoutMs?: number;
  /** Ignore cached families (the connector's `refresh`). */
  fresh?: boolean;
  /** Cache shared across runs; defaults to the module's, i.e. the agent process. */
  cache?: Map<string, { at: number; result: FamilyResult<Family> }>;
  now?: () => number;
}

const processCache = new Map<string, { at: number; result: FamilyResult<Family> }>();

/** One family, never throwing, never late. */
export async function runCollector<K extends Family>(collector: Collector<K>, timeoutMs: number): Promise<FamilyResult<K>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<FamilyResult<K>>((resolve) => {
    timer = setTimeout(() => resolve({ value: null as Facts[K], unknown: { "": `${collector.family}: timed out after ${timeoutMs} ms` } }), timeoutMs);
  });
  try {
    return await Promise.race([
      collector.collect().catch((error: unknown) => ({ value: null as Facts[K], unknown: { "": `${collector.family}: ${errorMessage(error)}` } })),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the given collectors and assembles the document; the building block of `collectFacts`. */
export async function collectWith(collectors: AnyCollector[], options: CollectOptions = {}): Promise<Collected> {
  const started = performance.now();
  const now = options.now ?? Date.now;
  const cache = options.cache ?? processCache;
  const timeoutMs = options.familyTimeoutMs ?? 20_000;
  const facts: Facts = {
    os: null, disks: null, network: null, hardware: null, security: null,
    software: null, processes: null, users: null, groups: null, vendor: null,
  };
  const unknown: Record<string, string> = {};
  const timings: Record<string, number> = {};

  await Promise.all(collectors.map(async (collector) => {
    const t0 = performance.now();
    const cached = cache.get(collector.family);
    let result: FamilyResult<Family>;
    if (!options.fresh && collector.cacheForMs && cached && now() - cached.at < collector.cacheForMs) {
      result = cached.result;
    } else {
      result = await runCollector(collector as Collector<Family>, timeoutMs);
      // Only complete answers are cached: a failed probe is retried next run.
      if (collector.cacheForMs && !("" in result.unknown)) cache.set(collector.family, { at: now(), result });
    }
    (facts as Record<string, unknown>)[collector.family] = result.value;
    for (const [path, reason] of Object.entries(result.unknown)) unknown[joinFactPath(collector.family, path)] = reason;
    if (result.value === null && !(collector.family in unknown)) unknown[collector.family] = `${collector.family}: no value and no reason given`;
    timings[collector.family] = Math.round(performance.now() - t0);
  }));

  facts.vendor = { [FACET_VENDOR_KEY]: { platform: process.platform, collect_ms: timings } };
  return { ...conformFacts(facts, unknown), durationMs: performance.now() - started };
}

/** A one-shot run (`facet-agent facts`) waits this long for slow answers: it has no next run to report them in. */
export const ONE_SHOT_SLOW_ANSWER_WAIT_MS = 30_000;

/** Collects every family on this machine. Never throws. */
export async function collectFacts(options: CollectOptions & { oneShot?: boolean } = {}): Promise<Collected> {
  const ctx = createContext(options.oneShot ? { slowAnswerWaitMs: ONE_SHOT_SLOW_ANSWER_WAIT_MS } : {});
  // The family deadline must leave room for that wait.
  if (options.oneShot) options = { familyTimeoutMs: ONE_SHOT_SLOW_ANSWER_WAIT_MS + 10_000, ...options };
  try {
    return await collectWith(defaultCollectors(ctx), options);
  } finally {
    ctx.close();
  }
}
