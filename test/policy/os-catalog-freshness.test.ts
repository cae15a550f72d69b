/**
 * A connector running a year after its bundled OS catalog was published: it says so at start, in
 * GET /v1/os-catalog and `facet os-catalog show`, answers latest-patch checks UNKNOWN (never PASS)
 * with the reason, records a rate-limited event, and recovers once a catalog dated within the
 * window is imported (a synthetic one: the bundled releases re-dated, not real 2026 data).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pino } from "pino";
import { macFacts, redatedCatalog } from "../support/policy/fixtures.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "../support/live-policy-connector.ts";
import { runFacet } from "../support/from-source.ts";

const STALE_NOW = Date.parse("2026-11-23T12:00:00Z");
const logLines: Record<string, unknown>[] = [];
const logger = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(JSON.parse(chunk.toString())), done()) }));

let t: LivePolicyConnector;
let latestPatch: string;
let minimum: string;
before(async () => {
  t = await startLivePolicyConnector({ now: STALE_NOW, logger });
  latestPatch = await t.createPolicy({ name: "macOS latest patch", platform: "MACOS", osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } } });
  minimum = await t.createPolicy({ name: "macOS minimum", platform: "MACOS", osVersion: { minimum: "15.7.2" } });
});
after(async () => t.stop());

// Policy evaluation, not identification, is under test here: the device is named (mode lookup).
const check = (body: Record<string, unknown>) => t.json("/v1/endpoint/check", { method: "POST", body: JSON.stringify({ mode: "lookup", ...body }) });

const facet = (...args: string[]) => runFacet(["--url", t.connector.url, "--token", t.adminToken, ...args]);

describe("a stale bundled catalog", () => {
  test("is a warning at start naming its version and age", () => {
    const warning = logLines.find((l) => l.level === 40 && /OS release catalog 2025\.11\.14/.test(String(l.msg)));
    assert.ok(warning, JSON.stringify(logLines.map((l) => l.msg)));
    assert.match(String(warning.msg), /last confirmed against its sources on 2025-11-14, 374 days ago, past the 45-day limit.*facet os-catalog update.*facet os-catalog import/);
  });

  test("GET /v1/os-catalog reports its age and staleness", async () => {
    const res = await t.json("/v1/os-catalog");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.freshness, { version: "2025.11.14", publishedAt: "2025-11-14", platform: null, confirmedAt: "2025-11-14T00:00:00.000Z", ageDays: 374, maxAgeDays: 45, staleFrom: "2025-12-30", stale: true, datedInFuture: false });
  });

  test("facet os-catalog show says it is stale and how to fix it", async () => {
    const out = await facet("os-catalog", "show");
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /OS catalog 2025\.11\.14 \(bundled\), published 2025-11-14\nSTALE: last confirmed 2025-11-14, 374 days ago, past the 45-day limit since 2025-12-30\. .*UNKNOWN.*facet os-catalog update/);
  });

  test("turns a latest-patch check UNKNOWN, not passing, with the reason; a fixed minimum still passes", async () => {
    const mac = await t.pushDevice(macFacts());
    const res = await check({ device: mac.deviceId, policies: [latestPatch] });
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.passing, res.body.result], [false, "UNKNOWN"]);
    assert.match(res.body.messages[0], /OS updates cannot be verified right now/);
    assert.doesNotMatch(res.body.messages[0], /facet os-catalog/, "the fix is the admin's, not the user's");
    const osCheck = res.body.checks.find((c: { check: string }) => c.check === "osVersion");
    assert.match(osCheck.message, /Could not determine the latest OS releases: the macOS releases in the OS release catalog 2025\.11\.14 were last confirmed against their sources on 2025-11-14, 374 days ago/);
    const fixed = await check({ device: mac.deviceId, policies: [minimum] });
    assert.deepEqual([fixed.body.passing, fixed.body.result], [true, "PASS"]);
    const evaluated = await t.json(`/v1/devices/${mac.deviceId}/evaluate`, { method: "POST", body: JSON.stringify({ policies: [latestPatch] }) });
    const os = evaluated.body.checks.find((c: { check: string }) => c.check === "osVersion");
    assert.deepEqual([os.status, os.cause], ["UNKNOWN", "os_catalog_stale"]);
  });

  test("records one os_catalog.stale event for many such answers", async () => {
    const mac = await t.pushDevice(macFacts());
    for (let i = 0; i < 5; i++) await check({ device: mac.deviceId, policies: [latestPatch] });
    const events = (await t.json("/v1/events?type=os_catalog.stale")).body.events;
    assert.equal(events.length, 1, JSON.stringify(events));
    assert.equal(events[0].data.version, "2025.11.14");
    assert.equal(events[0].data.ageDays, 374);
    assert.deepEqual(events[0].data.policyIds, [latestPatch]);
  });

  test("refuses a catalog dated in the future, which would never go stale", async () => {
    const res = await t.json("/v1/os-catalog", { method: "PUT", body: JSON.stringify(redatedCatalog("2027-06-01")) });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /publishedAt 2027-06-01 is in the future/);
  });

  test("importing a catalog dated within the window makes the check PASS or FAIL again", async () => {
    const imported = await t.json("/v1/os-catalog", { method: "PUT", body: JSON.stringify(redatedCatalog("2026-11-20")) });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    assert.deepEqual([imported.body.imported, imported.body.freshness.stale, imported.body.freshness.ageDays], ["2026.11.20", false, 3]);
    const current = await t.pushDevice(macFacts());
    assert.deepEqual((await check({ device: current.deviceId, policies: [latestPatch] })).body.passing, true);
    const behind = await t.pushDevice(macFacts({ os: { version: "15.7.1" } }));
    const res = await check({ device: behind.deviceId, policies: [latestPatch] });
    assert.deepEqual([res.body.passing, res.body.result], [false, "FAIL"]);
    assert.match(res.body.messages[0], /missing the latest security update/);
    assert.match((await facet("os-catalog", "show")).stdout, /OS catalog 2026\.11\.20 \(stored\), published 2026-11-20\nconfirmed 2026-11-20, 3 days ago \(limit 45 days\): current, stale from 2027-01-05/);
  });
});
