import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../log.ts";
import { DEFAULT_LIMITS } from "../options.ts";
import { openSqliteStore } from "../store/sqlite/index.ts";
import { AUDIT_EVENT_TYPES } from "./audit.ts";
import { retentionAt, startEventPruner } from "./retention.ts";

const DAY = 24 * 3600 * 1000;

test("turns the limits into cut-offs, with a shorter one for snapshot.accepted", () => {
  const now = 1000 * DAY;
  assert.deepEqual(retentionAt({ eventRetentionDays: 90, snapshotEventRetentionDays: 7, eventMaxRows: 500 }, now), {
    before: now - 90 * DAY,
    beforeByType: { "snapshot.accepted": now - 7 * DAY },
    maxRows: 500,
    auditTypes: AUDIT_EVENT_TYPES,
  });
  assert.deepEqual(retentionAt({ eventRetentionDays: 0, snapshotEventRetentionDays: 0, eventMaxRows: 0 }, now), {}, "0 disables a bound");
});

test("the pruner applies the connector's retention to a real store and can be run on demand", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "facet-retention-"));
  const store = openSqliteStore(join(dir, "facet.db"));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const now = 1000 * DAY;
  const rec = (type: string, ageDays: number) => store.recordEvent({ type, at: now - ageDays * DAY, deviceId: null, data: {} });
  await rec("snapshot.accepted", 8); // past its 7 days
  await rec("snapshot.accepted", 1);
  await rec("device.revoked", 30); // audit events keep the general 90 days
  await rec("device.enrolled", 91);
  const pruner = startEventPruner({ store, limits: DEFAULT_LIMITS, now: () => now, log: createLogger("silent") });
  const [a, b] = await Promise.all([pruner.runNow(), pruner.runNow()]);
  assert.deepEqual([a, b], [2, 2], "a second call joins the running prune");
  await pruner.stop();
  assert.deepEqual((await store.listEvents({ limit: 10 })).map((e) => e.type), ["snapshot.accepted", "device.revoked"]);
});
