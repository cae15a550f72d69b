/**
 * Event retention. Every accepted snapshot records an event, so without pruning the events table
 * grows without bound. A timer (never the ingest path) deletes events past their age, with a
 * shorter age for the per-snapshot `snapshot.accepted`, then enforces a row cap as a backstop.
 *
 *   const pruner = startEventPruner({ store, limits, now, log });
 *   …
 *   await pruner.stop(); // before closing the store
 */
import type { Logger } from "pino";
import type { Clock, ConnectorLimits } from "../options.ts";
import type { EventRetention, Store } from "../store/types.ts";
import { AUDIT_EVENT_TYPES } from "./audit.ts";

const DAY_MS = 24 * 3600 * 1000;
/** Let the connector finish starting (migrations, first agent connections) before the first prune. */
const FIRST_PRUNE_DELAY_MS = 5_000;

export type RetentionLimits = Pick<ConnectorLimits, "eventRetentionDays" | "snapshotEventRetentionDays" | "eventMaxRows">;

/** The retention in force at `now`; empty when every bound is 0 (keep everything). */
export function retentionAt(limits: RetentionLimits, now: number): EventRetention {
  const retention: EventRetention = {};
  if (limits.eventRetentionDays > 0) retention.before = now - limits.eventRetentionDays * DAY_MS;
  if (limits.snapshotEventRetentionDays > 0) {
    retention.beforeByType = { "snapshot.accepted": now - limits.snapshotEventRetentionDays * DAY_MS };
  }
  if (limits.eventMaxRows > 0) {
    retention.maxRows = limits.eventMaxRows;
    retention.auditTypes = AUDIT_EVENT_TYPES;
  }
  return retention;
}

export interface EventPruner {
  /** Prunes now (waits for a prune already running instead of starting a second one). */
  runNow(): Promise<number>;
  /** Stops the timer and waits for a running prune, so the store can be closed after. */
  stop(): Promise<void>;
}

export function startEventPruner(deps: {
  store: Store;
  limits: RetentionLimits & Pick<ConnectorLimits, "eventPruneIntervalMs">;
  now: Clock;
  log: Logger;
}): EventPruner {
  let running: Promise<number> | undefined;
  let stopped = false;

  const runNow = (): Promise<number> => {
    running ??= (async () => {
      const started = Date.now();
      try {
        const deleted = await deps.store.pruneEvents(retentionAt(deps.limits, deps.now()));
        if (deleted > 0) deps.log.info({ deleted, ms: Date.now() - started }, "pruned old events");
        return deleted;
      } catch (err) {
        // A failed prune only delays retention; it must never take the connector down.
        deps.log.error({ err }, "event pruning failed");
        return 0;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const tick = () => {
    if (!stopped) void runNow();
  };
  const first = setTimeout(tick, Math.min(FIRST_PRUNE_DELAY_MS, deps.limits.eventPruneIntervalMs));
  const timer = setInterval(tick, deps.limits.eventPruneIntervalMs);
  first.unref();
  timer.unref();

  return {
    runNow,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
