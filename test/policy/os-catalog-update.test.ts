/**
 * `facet os-catalog update` end to end: recorded SOFA, endoflife.date and (synthetic) MSRC
 * responses served from a fake HTTP server on 127.0.0.1, a live connector starting from the
 * frozen 2025-11-14 catalog, real signed snapshots and sign-in checks.
 *
 * The acceptance: a new macOS security release makes a device one patch behind FAIL with
 * a message naming the version to install; a truncated or downgraded feed is refused and the old
 * catalog kept; a feed that cannot be reached leaves the catalog's freshness ageing.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { linuxFacts, macFacts } from "../support/policy/fixtures.ts";
import { recording, startFeedServer, type FeedServer } from "../support/feed-server.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "../support/live-policy-connector.ts";
import { runFacet } from "../support/from-source.ts";

const DAY = 86_400_000;
/** After the recordings (2026-08-22) and the synthetic MSRC document (2026-09-08). */
const START = Date.parse("2026-09-10T12:00:00Z");
const SOFA_2026_08_17 = recording("sofa-macos_data_feed-2026-08-17.json");
const SOFA_2026_08_22 = recording("sofa-macos_data_feed-2026-08-22.json");

let feeds: FeedServer;
let t: LivePolicyConnector;
let latestPatch: string;
let ubuntuSupported: string;

before(async () => {
  feeds = await startFeedServer();
  feeds.routes.set("/sofa/macos_data_feed.json", { body: SOFA_2026_08_17 });
  feeds.routes.set("/msrc/2026-Sep", { body: recording("msrc-cvrf-synthetic.json") });
  t = await startLivePolicyConnector({ now: START, limits: { osCatalogSources: feeds.sources, osCatalogFetchTimeoutMs: 10_000 } });
  latestPatch = await t.createPolicy({ name: "macOS latest patch", platform: "MACOS", osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED", latestSecurityPatch: true } } });
  ubuntuSupported = await t.createPolicy({ name: "Ubuntu supported", platform: "LINUX", osVersion: { dynamicVersionRequirement: { type: "EXACT_ANY_SUPPORTED" } } });
});
after(async () => {
  await t?.stop();
  await feeds?.close();
});

const facet = (...args: string[]) => runFacet(["--url", t.connector.url, "--token", t.adminToken, ...args], { timeoutMs: 120_000 });

const check = (device: string, policies: string[]) => t.json("/v1/endpoint/check", { method: "POST", body: JSON.stringify({ mode: "lookup", device, policies }) });
const update = () => t.json("/v1/os-catalog/update", { method: "POST", body: "{}" });
const macLatest = async (major: number) => (await t.json("/v1/os-catalog")).body.catalog.macos.find((m: { major: number }) => m.major === major).latest as string;

describe("facet os-catalog update against recorded feeds", () => {
  test("the first update takes every source and says what changed", async () => {
    const out = await facet("os-catalog", "update");
    assert.equal(out.code, 0, out.stderr + out.stdout);
    assert.match(out.stdout, /OS catalog 2025\.11\.14 → 2026\.9\.10:/);
    assert.match(out.stdout, /macOS 26 \(Tahoe\): latest 26\.1 → 26\.6\.1 \(2026-08-06/);
    assert.match(out.stdout, /Ubuntu 26\.04: new \(released 2026-04-23, supported until 2031-04-30\)/);
    assert.match(out.stdout, /Windows 11 24H2 \(build 26100\): latest update 10\.0\.26100\.7171 → 10\.0\.26100\.90001 KB5190001 \(2026-09-08\)/);
    for (const id of ["sofa", "endoflife", "msrc"]) assert.match(out.stdout, new RegExp(`^${id}: confirmed`, "m"));
    assert.deepEqual(feeds.hits.filter((h) => h.startsWith("/msrc/")), ["/msrc/2026-Sep"]);
    const events = (await t.json("/v1/events?type=os_catalog.updated")).body.events;
    assert.equal(events[0].data.version, "2026.9.10");
  });

  test("a device on the latest patch passes; a supported Ubuntu passes", async () => {
    const mac = await t.pushDevice(macFacts({ os: { version: "26.6.1" } }));
    assert.equal((await check(mac.deviceId, [latestPatch])).body.passing, true);
    const ubuntu = await t.pushDevice(linuxFacts({ os: { version: "26.04 LTS (Resolute Raccoon)" } }));
    assert.equal((await check(ubuntu.deviceId, [ubuntuSupported])).body.passing, true);
  });

  test("a new macOS security release makes the device one patch behind FAIL, naming the version to install", async () => {
    t.clock.now += DAY;
    feeds.routes.set("/sofa/macos_data_feed.json", { body: SOFA_2026_08_22 });
    const out = await facet("os-catalog", "update");
    assert.equal(out.code, 0, out.stderr + out.stdout);
    assert.match(out.stdout, /macOS 26 \(Tahoe\): latest 26\.6\.1 → 26\.6\.2 \(2026-08-17, 28 CVEs\)/);
    const mac = await t.pushDevice(macFacts({ os: { version: "26.6.1" } }));
    const res = await check(mac.deviceId, [latestPatch]);
    assert.deepEqual([res.body.passing, res.body.result], [false, "FAIL"]);
    assert.match(res.body.messages[0], /macOS 26\.6\.1 is missing the latest security update \(26\.6\.2, released 2026-08-17\)/);
    assert.match(res.body.messages[0], /Install macOS 26\.6\.2\./);
  });

  test("a truncated feed is refused in one line, the old catalog kept, an event written", async () => {
    t.clock.now += DAY;
    feeds.routes.set("/sofa/macos_data_feed.json", { body: SOFA_2026_08_22.slice(0, SOFA_2026_08_22.length / 2) });
    const out = await facet("os-catalog", "update");
    assert.equal(out.code, 1);
    assert.match(out.stdout, /^sofa: FAILED: the SOFA feed is not valid JSON \(truncated\?\)[^\n]*$/m);
    assert.match(out.stdout, /^endoflife: confirmed/m);
    assert.equal(await macLatest(26), "26.6.2");
    const events = (await t.json("/v1/events?type=os_catalog.update_failed")).body.events;
    assert.equal(events[0].data.source, "sofa");
    assert.match(events[0].data.error, /truncated/);
  });

  test("a downgraded feed (an older copy) is refused and the old catalog kept", async () => {
    t.clock.now += DAY;
    feeds.routes.set("/sofa/macos_data_feed.json", { body: SOFA_2026_08_17 });
    const res = await update();
    assert.equal(res.status, 200);
    assert.equal(res.body.outcome, "failed");
    const sofa = res.body.sources.find((s: { id: string }) => s.id === "sofa");
    assert.equal(sofa.lastError, "refused: macOS 26's latest version would go back from 26.6.2 to 26.6.1; the catalog in force is kept");
    assert.equal(await macLatest(26), "26.6.2");
    const mac = await t.pushDevice(macFacts({ os: { version: "26.6.1" } }));
    assert.equal((await check(mac.deviceId, [latestPatch])).body.result, "FAIL");
  });

  test("a feed that cannot be reached leaves macOS ageing while the others stay confirmed", async () => {
    feeds.routes.set("/sofa/macos_data_feed.json", "drop");
    const lastGood = (await t.json("/v1/os-catalog")).body.platforms.macos.confirmedAt;
    for (let i = 0; i < 5; i++) {
      t.clock.now += 10 * DAY;
      const res = await update();
      assert.match(res.body.sources.find((s: { id: string }) => s.id === "sofa").lastError, /127\.0\.0\.1.*(other side closed|ECONNRESET|socket)/i);
    }
    const catalog = (await t.json("/v1/os-catalog")).body;
    assert.equal(catalog.platforms.macos.confirmedAt, lastGood);
    // Last confirmed on 2026-09-11 (the two refusals confirmed nothing), now 2026-11-02.
    assert.deepEqual([catalog.platforms.macos.stale, catalog.platforms.macos.ageDays], [true, 52]);
    assert.deepEqual([catalog.platforms.linux.stale, catalog.platforms.linux.ageDays], [false, 0]);
    const mac = await t.pushDevice(macFacts({ os: { version: "26.6.2" } }));
    const res = await check(mac.deviceId, [latestPatch]);
    assert.equal(res.body.result, "UNKNOWN");
    const osCheck = res.body.checks.find((c: { check: string }) => c.check === "osVersion");
    assert.match(osCheck.message, /the macOS releases in the OS release catalog \S+ were last confirmed against their sources on 2026-09-11, 52 days ago/);
    const ubuntu = await t.pushDevice(linuxFacts({ os: { version: "26.04 LTS (Resolute Raccoon)" } }));
    assert.equal((await check(ubuntu.deviceId, [ubuntuSupported])).body.passing, true);
    const show = await facet("os-catalog", "show");
    assert.match(show.stdout, /macos\s+STALE: last confirmed 2026-09-11, 52 days ago/);
    assert.match(show.stdout, /sofa http:\/\/127\.0\.0\.1:\d+\/sofa\/macos_data_feed\.json\s+2026-09-11T12:00:00\.000Z\s+\S+\s+ERROR: /);
  });

  test("once the feed answers again, macOS is confirmed and current", async () => {
    feeds.routes.set("/sofa/macos_data_feed.json", { body: SOFA_2026_08_22 });
    // November's document is not out yet (404): October's is read instead, with nothing newer.
    feeds.routes.set("/msrc/2026-Oct", { body: recording("msrc-cvrf-synthetic.json") });
    const res = await update();
    assert.equal(res.body.outcome, "confirmed");
    assert.deepEqual(res.body.changes, []);
    assert.deepEqual([res.body.platforms.macos.stale, res.body.platforms.macos.ageDays], [false, 0]);
    assert.deepEqual(feeds.hits.filter((h) => h.startsWith("/msrc/")).slice(-2), ["/msrc/2026-Nov", "/msrc/2026-Oct"]);
  });
});
