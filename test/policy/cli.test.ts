/** The admin CLI's policy commands as a real child process against a live connector. */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { linuxFacts, TEST_CATALOG } from "../support/policy/fixtures.ts";
import { startLivePolicyConnector, type LivePolicyConnector } from "../support/live-policy-connector.ts";
import { runFacet } from "../support/from-source.ts";

let t: LivePolicyConnector;
let dir: string;

const facet = (...args: string[]) => runFacet(["--url", t.connector.url, "--token", t.adminToken, ...args]);

function file(name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

before(async () => {
  t = await startLivePolicyConnector();
  dir = mkdtempSync(join(tmpdir(), "facet-cli-policies-"));
});
after(async () => {
  await t.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("facet policies", () => {
  test("create -f, ls, show, replace -f, rm", async () => {
    const created = await facet("policies", "create", "-f", file("p.json", { name: "Linux baseline", platform: "LINUX", firewallEnabled: true }), "--json");
    assert.equal(created.code, 0, created.stderr);
    const id = JSON.parse(created.stdout).id as string;

    const ls = await facet("policies", "ls");
    assert.match(ls.stdout, new RegExp(`${id}\\s+Linux baseline\\s+LINUX\\s+1`));
    assert.match(ls.stdout, /firewallEnabled/);

    const show = await facet("policies", "show", id);
    assert.equal(JSON.parse(show.stdout).firewallEnabled, true);

    const replaced = await facet("policies", "replace", id, "-f", file("p2.json", { name: "Linux baseline", platform: "LINUX", secureBootEnabled: true }));
    assert.match(replaced.stdout, /now version 2/);
    assert.equal(JSON.parse((await facet("policies", "show", id)).stdout).firewallEnabled, undefined);

    assert.equal((await facet("policies", "rm", id)).code, 0);
    const gone = await facet("policies", "show", id);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /not_found/);
  });

  test("an invalid file lists every issue and sends nothing (exit 2)", async () => {
    const before = (await t.connector.store.listPolicies()).length;
    const res = await facet("policies", "create", "-f", file("bad.json", { name: "bad", platform: "WINDOWS", osVersion: { minimum: "10.0" }, firewall: true }));
    assert.equal(res.code, 2);
    assert.match(res.stderr, /invalid policy/);
    assert.match(res.stderr, /unsupported field\(s\): firewall/);
    assert.equal((await t.connector.store.listPolicies()).length, before);
    const notJson = await facet("policies", "create", "-f", file("bad.txt", "{"));
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /not valid JSON/);
  });
});

describe("facet devices compliance", () => {
  test("shows each check with observed vs expected and grace left", async () => {
    const id = await t.createPolicy({ name: "Linux hardening", platform: "LINUX", firewallEnabled: true, secureBootEnabled: true, gracePeriod: { type: "BY_DURATION", expiry: "P3D" } });
    const device = await t.pushDevice(linuxFacts({ network: { firewall_enabled: false } }));
    const res = await facet("devices", "compliance", device.deviceId, "--policy", id);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /GRACE \(passing\)/);
    assert.match(res.stdout, /firewallEnabled\s+FAIL\s+false\s+true\s+3d 0h\s+The firewall is off/);
    assert.match(res.stdout, /secureBootEnabled\s+PASS\s+true\s+true/);
    const json = JSON.parse((await facet("devices", "compliance", device.deviceId, "--policy", id, "--json")).stdout);
    assert.equal(json.checks.find((c: { check: string }) => c.check === "firewallEnabled").graceUntil, new Date(t.clock.now + 3 * 86_400_000).toISOString());
  });
});

describe("facet os-catalog import", () => {
  test("imports a newer catalog and refuses an invalid one", async () => {
    const ok = await facet("os-catalog", "import", file("catalog.json", { ...TEST_CATALOG, version: "2030.1.1" }));
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /imported OS catalog 2030\.1\.1/);
    const bad = await facet("os-catalog", "import", file("bad-catalog.json", { ...TEST_CATALOG, version: "2031.1.1", windows: [] }));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid OS catalog/);
    assert.match((await facet("os-catalog", "show")).stdout, /OS catalog 2030\.1\.1 \(stored\)/);
  });
});
