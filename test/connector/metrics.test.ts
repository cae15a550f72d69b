/**
 * GET /metrics against a live connector with real traffic: an enrolled agent's accepted and
 * refused snapshots, sign-in checks, cache lookups and store calls all move their series, and
 * the answer parses as the Prometheus text exposition format.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { linuxFacts } from "../support/policy/fixtures.ts";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { generateKeyPair } from "../../shared/signing/sign.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { ProtocolClient, enrollTestDevice } from "../support/protocol-client.ts";
import { until } from "../support/until.ts";

let t: TestConnector;
before(async () => {
  t = await startTestConnector();
});
after(async () => t.stop());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the text format (0.0.4): every line a comment, a sample, or blank; HELP/TYPE
 * before the samples of a family. Values as Prometheus reads them (Go's ParseFloat, which takes
 * NaN and Inf in any case: prom-client writes an unsampled event-loop lag as `Nan`).
 */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?(?:[0-9.]+(?:e[+-]?[0-9]+)?|[Nn][Aa][Nn]|[+-]?[Ii][Nn][Ff]))(?: -?[0-9]+)?$/;
  const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y;
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (comment) {
      if (comment[1] === "TYPE") {
        assert.match(comment[3]!, /^(counter|gauge|histogram|summary|untyped)$/, `line ${i + 1}: ${line}`);
        assert.ok(!types.has(comment[2]!), `line ${i + 1}: ${comment[2]} typed twice`);
        types.set(comment[2]!, comment[3]!);
      }
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `line ${i + 1} is not a sample: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    if (m[2]) {
      LABEL.lastIndex = 0;
      while (LABEL.lastIndex < m[2].length) {
        const l = LABEL.exec(m[2]);
        assert.ok(l, `line ${i + 1}: bad labels ${m[2]}`);
        labels[l[1]!] = l[2]!;
      }
    }
    const family = m[1]!.replace(/_(bucket|sum|count)$/, "");
    assert.ok(types.has(m[1]!) || types.has(family), `line ${i + 1}: ${m[1]} has no TYPE`);
    samples.push({ name: m[1]!, labels, value: /inf$/i.test(m[3]!) ? (m[3]!.startsWith("-") ? -Infinity : Infinity) : Number(m[3]) });
  }
  return { samples, types };
}

async function scrape(): Promise<{ samples: Sample[]; types: Map<string, string> }> {
  const res = await t.api("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((sum, s) => sum + s.value, 0);
}

describe("GET /metrics", () => {
  test("needs a token with metrics:read (or admin)", async () => {
    assert.equal((await t.api("/metrics", { token: null })).status, 401);
    const devicesOnly = await issueApiToken(t.connector.store, { name: "reader", scopes: ["devices:read"] }, Date.now());
    assert.equal((await t.api("/metrics", { token: devicesOnly.secret })).status, 403);
    const prometheus = await issueApiToken(t.connector.store, { name: "prometheus", scopes: ["metrics:read"] }, Date.now());
    assert.equal((await t.api("/metrics", { token: prometheus.secret })).status, 200);
  });

  test("counts real traffic: snapshots accepted and refused by code, sign-ins by verdict, agents, caches, store calls", async (testCtx) => {
    const before = (await scrape()).samples;
    const policy = await t.api("/v1/device-assurances", { method: "POST", body: JSON.stringify({ name: "Firewall on", platform: "LINUX", firewallEnabled: true }) });
    assert.equal(policy.status, 200);
    const policyId = ((await policy.json()) as { id: string }).id;

    const device = await enrollTestDevice(t.connector.url, t.enrollToken, { hostname: "metrics-host" });
    const client = await ProtocolClient.connect(t.connector.agentUrl);
    // Closed however the test ends: an open agent socket would keep the run from finishing on a failed assertion.
    testCtx.after(() => client.close());
    assert.equal((await client.authenticate(device)).type, "welcome");
    assert.deepEqual(await client.sendSnapshot(device, { seq: 1, facts: linuxFacts({ hardware: { serial: "SER-METRICS" } }) }), { type: "ack", seq: 1 });
    const refused = await client.sendSnapshot(device, { seq: 2, signWith: generateKeyPair() });
    assert.equal(refused.type === "error" && refused.code, "bad_signature");

    const check = (body: Record<string, unknown>) => t.api("/v1/endpoint/check", { method: "POST", body: JSON.stringify({ mode: "lookup", policies: [policyId], ...body }) });
    const passed = (await (await check({ serial: "SER-METRICS" })).json()) as { passing: boolean };
    assert.equal(passed.passing, true);
    const again = (await (await check({ serial: "SER-METRICS" })).json()) as { passing: boolean };
    assert.equal(again.passing, true);
    const nobody = (await (await check({ username: "nobody-at-all" })).json()) as { reason: string };
    assert.equal(nobody.reason, "no_device");

    const { samples: after, types } = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
    assert.equal(moved("facet_snapshots_ingested_total"), 1);
    assert.equal(moved("facet_snapshots_rejected_total", { code: "bad_signature" }), 1);
    assert.equal(moved("facet_signin_checks_total", { verdict: "pass" }), 2);
    assert.equal(moved("facet_signin_checks_total", { verdict: "refused" }), 1);
    assert.equal(moved("facet_signin_check_duration_seconds_count"), 3);
    assert.equal(value(after, "facet_signin_check_duration_seconds_bucket", { le: "+Inf" }), value(after, "facet_signin_check_duration_seconds_count"));
    assert.equal(value(after, "facet_agents_connected"), 1);
    // The snapshot's policy facts went into the sign-in cache as it was acked: both checks of the device hit it.
    assert.ok(moved("facet_cache_requests_total", { cache: "policy_snapshots", result: "hit" }) >= 2);
    assert.ok(moved("facet_cache_requests_total", { cache: "api_tokens", result: "hit" }) >= 1);
    assert.ok(moved("facet_store_operation_duration_seconds_count", { operation: "writeSnapshots" }) >= 1);
    assert.ok(moved("facet_store_operation_duration_seconds_count", { operation: "enrollDevice" }) >= 1);
    assert.equal(types.get("facet_store_operation_duration_seconds"), "histogram");
    assert.equal(types.get("facet_signin_checks_total"), "counter");
    assert.ok(value(after, "process_cpu_user_seconds_total") > 0, "the process's default metrics are there");

    client.close();
    await client.closed;
    await until("the agent gauge drops", async () => value((await scrape()).samples, "facet_agents_connected") === 0);
  });

  test("two connectors in one process keep separate counts", async () => {
    const other = await startTestConnector();
    try {
      const device = await enrollTestDevice(other.connector.url, other.enrollToken);
      const client = await ProtocolClient.connect(other.connector.agentUrl);
      await client.authenticate(device);
      assert.equal((await client.sendSnapshot(device, { seq: 1 })).type, "ack");
      client.close();
      const res = await other.api("/metrics");
      const { samples } = parseExposition(await res.text());
      assert.equal(value(samples, "facet_snapshots_ingested_total"), 1, "only its own snapshot");
    } finally {
      await other.stop();
    }
  });

  // The reference parser: the Prometheus project's own Python client (Debian python3-prometheus-client).
  const python = ["python3", "/usr/bin/python3"].find((p) => spawnSync(p, ["-c", "import prometheus_client"]).status === 0);
  test("the Prometheus project's own parser reads the scrape, family by family", { skip: python ? false : "python3-prometheus-client is not installed" }, async () => {
    const text = await (await t.api("/metrics")).text();
    const reader = "import json,sys\nfrom prometheus_client.parser import text_string_to_metric_families as f\nprint(json.dumps({m.name: [m.type, len(m.samples)] for m in f(sys.stdin.read())}))";
    const res = spawnSync(python!, ["-c", reader], { input: text, encoding: "utf8" });
    assert.equal(res.status, 0, res.stderr);
    const families = JSON.parse(res.stdout) as Record<string, [string, number]>;
    const { samples, types } = parseExposition(text);
    assert.equal(Object.keys(families).length, types.size, "as many families as TYPE lines");
    assert.deepEqual(families["facet_signin_checks"]?.[0], "counter");
    assert.deepEqual(families["facet_signin_check_duration_seconds"]?.[0], "histogram");
    assert.equal(Object.values(families).reduce((n, [, count]) => n + count, 0), samples.length, "every sample read");
  });
});
