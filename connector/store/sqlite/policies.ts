/** Device assurance policies: one row per policy, the validated body as JSON, events in the same transaction. */
import type { Database } from "better-sqlite3";
import type { NewEvent, PolicyStore, StoredPolicy } from "../types.ts";
import { policyFromRow, type PolicyRow } from "../rows.ts";

export function createPolicyStore(db: Database): PolicyStore {
  const insert = db.prepare("INSERT INTO policies (id, version, name, platform, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const select = db.prepare<[string], PolicyRow>("SELECT * FROM policies WHERE id = ?");
  const selectAll = db.prepare<[], PolicyRow>("SELECT * FROM policies ORDER BY created_at, id");
  const update = db.prepare("UPDATE policies SET version = version + 1, name = ?, platform = ?, body = ?, updated_at = ? WHERE id = ?");
  const remove = db.prepare("DELETE FROM policies WHERE id = ?");
  const event = db.prepare("INSERT INTO events (type, at, device_id, data) VALUES (?, ?, ?, ?)");
  const recordEvent = (e: NewEvent) => event.run(e.type, e.at, e.deviceId, JSON.stringify(e.data));
  // Every endpoint check reads its policies: the row read stays (it is what makes a change made
  // anywhere visible at once), but a body whose text is unchanged is not parsed again. The parsed
  // body is shared between callers, so it is frozen. Policies are few; the bound is a safety net.
  const parsedBodies = new Map<string, { text: string; body: Record<string, unknown> }>();
  const sharedPolicyFromRow = (r: PolicyRow): StoredPolicy => {
    let parsed = parsedBodies.get(r.id);
    if (!parsed || parsed.text !== r.body) {
      if (parsedBodies.size >= 1024) parsedBodies.clear();
      parsed = { text: r.body, body: deepFreeze(JSON.parse(r.body) as Record<string, unknown>) };
      parsedBodies.set(r.id, parsed);
    }
    return { ...policyFromRow({ ...r, body: "null" }), body: parsed.body };
  };

  const create = db.transaction((p: StoredPolicy, e: NewEvent) => {
    insert.run(p.id, p.version, p.name, p.platform, JSON.stringify(p.body), p.createdAt, p.updatedAt);
    recordEvent(e);
  });
  const replace = db.transaction((next: Parameters<PolicyStore["replacePolicy"]>[0], describe: Parameters<PolicyStore["replacePolicy"]>[1]) => {
    const before = select.get(next.id);
    if (!before) return null;
    update.run(next.name, next.platform, JSON.stringify(next.body), next.at, next.id);
    const after = policyFromRow(select.get(next.id)!);
    recordEvent(describe(policyFromRow(before), after));
    return after;
  });
  const del = db.transaction((id: string, describe: (before: StoredPolicy) => NewEvent) => {
    const before = select.get(id);
    if (!before) return null;
    remove.run(id);
    const policy = policyFromRow(before);
    recordEvent(describe(policy));
    return policy;
  });

  return {
    // IMMEDIATE for the same reason as compliance.ts: the snapshot writer thread is a second writer.
    async createPolicy(policy, e) {
      create.immediate(policy, e);
    },
    async getPolicy(id) {
      const row = select.get(id);
      return row ? policyFromRow(row) : null;
    },
    async getPolicies(ids) {
      return ids.map((id) => select.get(id)).filter((r): r is PolicyRow => r !== undefined).map(sharedPolicyFromRow);
    },
    async listPolicies() {
      return selectAll.all().map(policyFromRow);
    },
    async replacePolicy(next, describe) {
      return replace.immediate(next, describe);
    },
    async deletePolicy(id, describe) {
      return del.immediate(id, describe);
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
