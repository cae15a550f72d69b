/**
 * Evaluating devices for the connector: loads what the pure evaluation needs (latest snapshot,
 * stored check state, the OS catalog), evaluates, and stores the outcome with its change events
 * in one write. Shared by `POST /v1/devices/{id}/evaluate` and `POST /v1/endpoint/check`.
 */
import type { Logger } from "pino";
import { noteStaleCatalogUnknowns } from "../events/stale-catalog.ts";
import { DEFAULT_MAX_FACT_AGE_SECONDS, type ConnectorLimits } from "../options.ts";
import type { ComplianceWrite, Device, Store, StoredPolicy, StoredSnapshot } from "../store/types.ts";
import { CATALOG_SETTING_KEY, newestCatalog, type OsCatalog } from "../policy/catalog/index.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import type { Policy, PolicyBody } from "../policy/schema.ts";
import { evaluationBody } from "../policy/combine.ts";
import type { CheckState, PolicyEvaluation } from "../policy/types.ts";

export interface ComplianceDeps {
  store: Store;
  now: () => number;
  /** `osCatalogMaxAgeDays` and `defaultMaxFactAgeSeconds`; without them the defaults apply. */
  limits?: Partial<Pick<ConnectorLimits, "osCatalogMaxAgeDays" | "defaultMaxFactAgeSeconds">>;
  log?: Logger;
}

/**
 * The last Policy built per stored body object: a store that hands out the same (frozen) parsed
 * body while the policy row is unchanged (sqlite/policies.ts) then costs no rebuilding per check.
 */
const fromStored = new WeakMap<object, { stored: StoredPolicy; policy: Policy }>();

export function policyFromStored(stored: StoredPolicy): Policy {
  const memo = fromStored.get(stored.body);
  if (memo && memo.stored.id === stored.id && memo.stored.version === stored.version && memo.stored.createdAt === stored.createdAt && memo.stored.updatedAt === stored.updatedAt) return memo.policy;
  const policy = buildPolicy(stored);
  if (Object.isFrozen(stored.body)) fromStored.set(stored.body, { stored, policy: Object.freeze(policy) });
  return policy;
}

function buildPolicy(stored: StoredPolicy): Policy {
  return {
    ...(stored.body as unknown as PolicyBody),
    id: stored.id,
    version: stored.version,
    createdDate: new Date(stored.createdAt).toISOString(),
    lastUpdate: new Date(stored.updatedAt).toISOString(),
  };
}

/**
 * The catalog in force: the newer of the bundled and the imported one. Cached briefly: every
 * endpoint check needs it, it changes only on import, and another replica's import shows up here
 * within the TTL.
 */
const CATALOG_TTL_MS = 10_000;
const catalogCache = new WeakMap<Store, { at: number; catalog: OsCatalog }>();

export async function currentCatalog(store: Store, now: number): Promise<OsCatalog> {
  const cached = catalogCache.get(store);
  if (cached && now - cached.at < CATALOG_TTL_MS && now >= cached.at) return cached.catalog;
  // Validated when imported; the store is trusted inside the connector.
  const catalog = newestCatalog(await store.getSetting<OsCatalog>(CATALOG_SETTING_KEY), store);
  catalogCache.set(store, { at: now, catalog });
  return catalog;
}

export function forgetCatalog(store: Store): void {
  catalogCache.delete(store);
}

/** A stored compliance record is rewritten at least this often while its result holds. */
export const RECORD_REFRESH_MS = 15 * 60_000;

/**
 * Evaluates one device against policies and stores the results of those that apply to it.
 * A store write (durable, so it costs an fsync) happens only when something changed: a check's
 * grace state, the result, the policy version, or a record older than RECORD_REFRESH_MS.
 */
export async function evaluateDevice(deps: ComplianceDeps, device: Device, snapshot: StoredSnapshot | null, policies: Policy[]): Promise<PolicyEvaluation[]> {
  const now = deps.now();
  const [catalog, states, stored] = await Promise.all([
    currentCatalog(deps.store, now),
    deps.store.getCheckStates(device.id, policies.map((p) => p.id)),
    deps.store.getCompliance(device.id),
  ]);
  const storedByPolicy = new Map(stored.map((r) => [r.policyId, r]));
  const byPolicy = new Map<string, Map<string, CheckState>>();
  for (const s of states) {
    const map = byPolicy.get(s.policyId) ?? new Map<string, CheckState>();
    map.set(s.check, { firstFailedAt: s.firstFailedAt, lastPassedAt: s.lastPassedAt });
    byPolicy.set(s.policyId, map);
  }
  const evaluations = policies.map((policy) =>
    evaluatePolicy({
      policy,
      facts: snapshot?.facts ?? null,
      unknown: snapshot?.unknown ?? {},
      collectedAt: snapshot?.collectedAt ?? null,
      catalog,
      catalogMaxAgeDays: deps.limits?.osCatalogMaxAgeDays,
      defaultMaxFactAge: `PT${deps.limits?.defaultMaxFactAgeSeconds ?? DEFAULT_MAX_FACT_AGE_SECONDS}S`,
      now,
      state: byPolicy.get(policy.id) ?? new Map(),
    }),
  );
  const writes: ComplianceWrite[] = evaluations
    .map((evaluation, i) => ({ evaluation, policy: policies[i]! }))
    .filter(({ evaluation, policy }) => {
      if (!evaluation.applicable) return false;
      const previous = storedByPolicy.get(policy.id);
      return (
        evaluation.stateUpdates.size > 0 ||
        !previous ||
        previous.result !== evaluation.result ||
        previous.passing !== evaluation.passing ||
        previous.policyVersion !== policy.version ||
        now - previous.evaluatedAt >= RECORD_REFRESH_MS
      );
    })
    .map(({ evaluation, policy }) => ({
      record: { deviceId: device.id, policyId: policy.id, policyVersion: policy.version, result: evaluation.result, passing: evaluation.passing, evaluatedAt: now, detail: evaluationBody(evaluation) as unknown as Record<string, unknown> },
      checks: [...evaluation.stateUpdates].map(([check, state]) => ({ policyId: policy.id, check, ...state })),
      changedEvent: {
        type: "device.compliance.changed",
        at: now,
        deviceId: device.id,
        data: {
          policyId: policy.id,
          policyName: policy.name,
          policyVersion: policy.version,
          result: evaluation.result,
          passing: evaluation.passing,
          checks: evaluation.checks.filter((c) => c.status !== "PASS").map((c) => ({ check: c.check, status: c.status, graceUntil: c.graceUntil })),
        },
      },
    }));
  if (writes.length > 0) await recordTogether(deps.store, writes);
  await noteStaleCatalogUnknowns(deps, device.id, catalog, evaluations, deps.limits?.osCatalogMaxAgeDays, now);
  return evaluations;
}

/**
 * Group commit for compliance writes: at most one `recordCompliance` transaction per store is in
 * flight; every evaluation that reaches its write meanwhile joins the next one, which starts when
 * the current one has committed. So a burst of sign-ins for devices not yet evaluated costs one
 * durable commit (one fsync) per commit time, not one per request or per event-loop turn — on the
 * SQLite writer thread, one transaction per turn queued faster than the fsyncs completed. Batches
 * commit in the order they were formed. Each caller still answers only after the commit holding
 * its write is durable; a failed commit fails every write in it.
 */
interface WriteBatch {
  writes: ComplianceWrite[];
  committed: Promise<unknown>;
  settle(outcome: Promise<unknown>): void;
}
const writeQueues = new WeakMap<Store, { inFlight: boolean; next: WriteBatch | null }>();

function recordTogether(store: Store, writes: ComplianceWrite[]): Promise<unknown> {
  let queue = writeQueues.get(store);
  if (!queue) writeQueues.set(store, (queue = { inFlight: false, next: null }));
  if (!queue.next) {
    let settle!: (outcome: Promise<unknown>) => void;
    const committed = new Promise((resolve, reject) => (settle = (outcome) => outcome.then(resolve, reject)));
    queue.next = { writes: [], committed, settle };
    if (!queue.inFlight) setImmediate(() => commitNext(store, queue));
  }
  queue.next.writes.push(...writes);
  return queue.next.committed;
}

function commitNext(store: Store, queue: { inFlight: boolean; next: WriteBatch | null }): void {
  const batch = queue.next;
  if (!batch) return;
  queue.next = null;
  queue.inFlight = true;
  const outcome = store.recordCompliance(batch.writes);
  batch.settle(outcome);
  outcome
    .catch(() => undefined)
    .finally(() => {
      queue.inFlight = false;
      if (queue.next) commitNext(store, queue);
    });
}
