/**
 * Evaluating devices for the connector: loads what the pure evaluation needs (latest snapshot,
 * stored check state, the OS catalog), evaluates, and stores the outcome with its change events
 * in one write. Shared by `POST /v1/devices/{id}/evaluate` and `POST /v1/endpoint/check`.
 */
import type { Logger } from "pino";
import { noteStaleCatalogUnknowns } from "../events/stale-catalog.ts";
import { DEFAULT_MAX_FACT_AGE_SECONDS, type ConnectorLimits } from "../options.ts";
import type { ComplianceWrite, Device, EvaluationState, Store, StoredPolicy, StoredSnapshot, StoredVerdict } from "../store/types.ts";
import type { OsCatalog } from "../policy/catalog/index.ts";
import { CompiledExpressions } from "../policy/cel/compile.ts";
import { CatalogInForce } from "./catalog.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import { CheckOutcomeMemo } from "../policy/outcome-memo.ts";
import type { Policy, PolicyBody } from "../policy/schema.ts";
import { evaluationBody } from "../policy/combine.ts";
import { readsInventory } from "../policy/inventories.ts";
import type { CheckState, PolicyEvaluation } from "../policy/types.ts";

export interface ComplianceDeps {
  store: Store;
  now: () => number;
  /** `osCatalogMaxAgeDays` and `defaultMaxFactAgeSeconds`; without them the defaults apply. */
  limits?: Partial<Pick<ConnectorLimits, "osCatalogMaxAgeDays" | "defaultMaxFactAgeSeconds">>;
  log?: Logger;
  /** The catalog to start from instead of the bundled one (CatalogInForce). */
  baselineCatalog?: OsCatalog;
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

interface IndexedState {
  storedByPolicy: ReadonlyMap<string, StoredVerdict>;
  byPolicy: ReadonlyMap<string, ReadonlyMap<string, CheckState>>;
}

/** What evaluating reads of a snapshot: a whole one, or a policy snapshot when `readsInventory` is false. */
export type EvaluatedSnapshot = Pick<StoredSnapshot, "collectedAt" | "facts" | "unknown">;

const NO_CHECK_STATES: ReadonlyMap<string, CheckState> = new Map();

/** A stored compliance record is rewritten at least this often while its result holds. */
export const RECORD_REFRESH_MS = 15 * 60_000;

/**
 * One per connector (createConnector builds it; routes and the console get it as
 * `HttpDeps.compliance`): it owns what evaluating needs between calls — the catalog in force, the
 * compiled custom-check expressions, the policies built from stored rows and the compliance
 * write queue.
 *
 *   const compliance = new ComplianceService({ store, now, limits, log });
 *   const loaded = await compliance.loadPolicies(ids);
 *   const evaluations = await compliance.evaluateDevice(device, snapshot, loaded.policies);
 */
export class ComplianceService {
  readonly catalogs: CatalogInForce;
  private readonly expressions = new CompiledExpressions();
  /** What the checks found per stored snapshot's facts (never changed once stored) and policy, while it cannot change. */
  private readonly outcomes = new CheckOutcomeMemo();
  /**
   * The last Policy built per stored body object: a store that hands out the same (frozen) parsed
   * body while the policy row is unchanged (sqlite/policies.ts) then costs no rebuilding per check.
   */
  private readonly fromStored = new WeakMap<object, { stored: StoredPolicy; policy: Policy }>();
  private readonly writes = new ComplianceWriteQueue();

  /**
   * A device's stored state indexed by policy, per state object: the read cache hands out the same
   * (frozen) object until a write replaces it, so a device checked again is not indexed again.
   */
  private readonly indexed = new WeakMap<EvaluationState, IndexedState>();
  private readonly defaultMaxFactAge: string;
  private readonly inventoryReaders = new WeakMap<Policy, boolean>();

  constructor(private readonly deps: ComplianceDeps) {
    this.catalogs = new CatalogInForce(deps.store, deps.baselineCatalog);
    this.defaultMaxFactAge = `PT${deps.limits?.defaultMaxFactAgeSeconds ?? DEFAULT_MAX_FACT_AGE_SECONDS}S`;
  }

  private indexState(state: EvaluationState): IndexedState {
    const held = this.indexed.get(state);
    if (held) return held;
    const storedByPolicy = new Map(state.verdicts.map((r) => [r.policyId, r]));
    const byPolicy = new Map<string, Map<string, CheckState>>();
    for (const s of state.checks) {
      const map = byPolicy.get(s.policyId) ?? new Map<string, CheckState>();
      map.set(s.check, { firstFailedAt: s.firstFailedAt, lastPassedAt: s.lastPassedAt });
      byPolicy.set(s.policyId, map);
    }
    const index = { storedByPolicy, byPolicy };
    // Only a frozen state is certain not to change under the index (a store read without the cache is not).
    if (Object.isFrozen(state)) this.indexed.set(state, index);
    return index;
  }

  policyFromStored(stored: StoredPolicy): Policy {
    const memo = this.fromStored.get(stored.body);
    if (memo && memo.stored.id === stored.id && memo.stored.version === stored.version && memo.stored.createdAt === stored.createdAt && memo.stored.updatedAt === stored.updatedAt) return memo.policy;
    const policy = buildPolicy(stored);
    if (Object.isFrozen(stored.body)) this.fromStored.set(stored.body, { stored, policy: Object.freeze(policy) });
    return policy;
  }

  /** The named policies (all of them when `ids` is undefined), or which ids do not exist. Duplicates are dropped. */
  async loadPolicies(ids: string[] | undefined): Promise<{ ok: true; policies: Policy[] } | { ok: false; missing: string[] }> {
    const { store } = this.deps;
    if (ids === undefined) return { ok: true, policies: (await store.listPolicies()).map((p) => this.policyFromStored(p)) };
    const unique = [...new Set(ids)];
    const found = await store.getPolicies(unique);
    const missing = unique.filter((id) => !found.some((p) => p.id === id));
    return missing.length > 0 ? { ok: false, missing } : { ok: true, policies: found.map((p) => this.policyFromStored(p)) };
  }

  /** Whether evaluating these policies can read an inventory, which a policy snapshot leaves out (policy/inventories.ts). */
  readsInventory(policies: Policy[]): boolean {
    return policies.some((policy) => {
      const held = this.inventoryReaders.get(policy);
      if (held !== undefined) return held;
      const reads = readsInventory(policy, this.expressions);
      if (Object.isFrozen(policy)) this.inventoryReaders.set(policy, reads);
      return reads;
    });
  }

  /**
   * Evaluates one device against policies and stores the results of those that apply to it.
   * A store write (durable, so it costs an fsync) happens only when something changed: a check's
   * grace state, the result, the policy version, or a record older than RECORD_REFRESH_MS.
   */
  async evaluateDevice(device: Device, snapshot: EvaluatedSnapshot | null, policies: Policy[]): Promise<PolicyEvaluation[]> {
    const { deps } = this;
    const now = deps.now();
    // Between the catalog's store reads (every few seconds) only the state is awaited: one wait, not Promise.all's.
    const held = this.catalogs.heldAt(now);
    const [catalog, state] = held ? [held, await deps.store.evaluationState(device.id)] : await Promise.all([this.catalogs.current(now), deps.store.evaluationState(device.id)]);
    const { storedByPolicy, byPolicy } = this.indexState(state);
    const evaluations = policies.map((policy) =>
      evaluatePolicy({
        policy,
        facts: snapshot?.facts ?? null,
        unknown: snapshot?.unknown ?? {},
        collectedAt: snapshot?.collectedAt ?? null,
        catalog,
        catalogMaxAgeDays: deps.limits?.osCatalogMaxAgeDays,
        defaultMaxFactAge: this.defaultMaxFactAge,
        now,
        state: byPolicy.get(policy.id) ?? NO_CHECK_STATES,
        expressions: this.expressions,
        outcomes: this.outcomes,
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
    if (writes.length > 0) await this.writes.record(deps.store, writes);
    const noting = noteStaleCatalogUnknowns(deps, device.id, catalog, evaluations, deps.limits?.osCatalogMaxAgeDays, now);
    if (noting) await noting;
    return evaluations;
  }
}

/**
 * Group commit for compliance writes: at most one `recordCompliance` transaction per store is in
 * flight; every evaluation that reaches its write meanwhile joins the next one, which starts when
 * the current one has committed. So a burst of sign-ins for devices not yet evaluated costs one
 * durable commit (one fsync) per commit time, not one per request or per event-loop turn — on the
 * SQLite writer thread, one transaction per turn queued faster than the fsyncs completed. Batches
 * commit in the order they were formed. Each caller still answers only after the commit holding
 * its write is durable; a failed commit fails every write in it. One queue per service, so per store.
 */
interface WriteBatch {
  writes: ComplianceWrite[];
  committed: Promise<unknown>;
  settle(outcome: Promise<unknown>): void;
}

class ComplianceWriteQueue {
  private inFlight = false;
  private next: WriteBatch | null = null;

  record(store: Store, writes: ComplianceWrite[]): Promise<unknown> {
    if (!this.next) {
      let settle!: (outcome: Promise<unknown>) => void;
      const committed = new Promise((resolve, reject) => (settle = (outcome) => outcome.then(resolve, reject)));
      this.next = { writes: [], committed, settle };
      if (!this.inFlight) setImmediate(() => this.commitNext(store));
    }
    this.next.writes.push(...writes);
    return this.next.committed;
  }

  private commitNext(store: Store): void {
    const batch = this.next;
    if (!batch) return;
    this.next = null;
    this.inFlight = true;
    const outcome = store.recordCompliance(batch.writes);
    batch.settle(outcome);
    outcome
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = false;
        if (this.next) this.commitNext(store);
      });
  }
}
