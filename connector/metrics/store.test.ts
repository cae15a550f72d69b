import { test } from "node:test";
import assert from "node:assert/strict";
import type { Store } from "../store/types.ts";
import { ConnectorMetrics } from "./index.ts";
import { signInVerdict } from "./signin.ts";
import { instrumentStore } from "./store.ts";

/** A synthetic store: a class with state behind `this`, one call that fails. */
class FakeStore {
  readonly kind = "sqlite" as const;
  private readonly rows = new Map([["d1", { id: "d1" }]]);
  async getDevice(id: string) {
    return this.rows.get(id) ?? null;
  }
  async putSetting(): Promise<void> {
    throw Object.assign(new Error("disk I/O error"), { code: "SQLITE_IOERR" });
  }
  async close() {}
}

async function series(metrics: ConnectorMetrics, name: string, operation: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  // A histogram's values are its buckets, sum and count, each named; a counter's carry no name.
  const values = metric.values as { labels: Record<string, unknown>; value: number; metricName?: string }[];
  const wanted = name.endsWith("_total") ? name : `${name}_count`;
  return values.filter((v) => v.labels.operation === operation && (v.metricName ?? name) === wanted).reduce((n, v) => n + v.value, 0);
}

test("store calls are timed per operation, failures counted, and the store keeps its identity and its `this`", async () => {
  const metrics = new ConnectorMetrics();
  const raw = new FakeStore();
  const store = instrumentStore(raw as unknown as Store, metrics.storeOperations);
  assert.ok(store instanceof FakeStore);
  assert.equal(store.kind, "sqlite");
  assert.deepEqual(await store.getDevice("d1"), { id: "d1" });
  assert.equal(await store.getDevice("nope"), null);
  await assert.rejects(store.putSetting("k", 1), /disk I\/O error/);
  assert.equal(await series(metrics, "facet_store_operation_duration_seconds", "getDevice"), 2);
  assert.equal(await series(metrics, "facet_store_operation_duration_seconds", "putSetting"), 1);
  assert.equal(await series(metrics, "facet_store_operation_errors_total", "putSetting"), 1);
  assert.equal(await series(metrics, "facet_store_operation_errors_total", "getDevice"), 0);
  assert.equal(store.getDevice, store.getDevice, "one wrapper per method, not one per access");
});

test("sign-in verdicts: judged devices pass or fail; no device judged is refused, or unmanaged when let through", () => {
  assert.equal(signInVerdict({ passing: true, reason: null }), "pass");
  assert.equal(signInVerdict({ passing: false, reason: null }), "fail");
  assert.equal(signInVerdict({ passing: false, reason: "not_bound" }), "refused");
  assert.equal(signInVerdict({ passing: true, reason: "no_certificate" }), "unmanaged");
});
