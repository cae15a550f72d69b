/**
 * The console in a real browser (Debian's chromium through playwright-core) against a live
 * connector with two enrolled agents running the real agent code and real collectors: sign in,
 * find the failing device, see why it fails, refresh it and watch the new snapshot arrive, diff
 * two snapshots, revoke it, open the new-policy form, revoke an enrollment token; a write without
 * the CSRF token is refused. Every page is screenshotted into test-results/console/.
 *
 * The failing device is synthetic in one respect, labelled here: its agent reports this machine's
 * real facts with `os.version` replaced by "10 (buster)" and `os.build` numbered per collection,
 * so one device fails the policy's minimum and each of its snapshots differs in a known fact.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { collectFacts } from "../../agent/collectors/index.ts";
import type { Collected } from "../../agent/collectors/types.ts";
import { enroll } from "../../agent/index.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { startInProcessAgent, type InProcessAgent } from "../support/in-process-agent.ts";
import { CHROMIUM, launchBrowser, screenshot } from "../support/browser/chromium.ts";

const skip = existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM} (apt-get install -y chromium)`;

type RunningAgent = InProcessAgent & { deviceId: string };

async function startAgent(t: TestConnector, username: string, collect?: () => Promise<Collected>): Promise<RunningAgent> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "facet-console-agent-"));
  const { deviceId } = await enroll({ url: t.connector.url, token: t.enrollToken, stateDir, username });
  return { deviceId, ...startInProcessAgent(stateDir, { waitMs: 60_000, ...(collect ? { collect } : {}) }) };
}

/** This machine's real facts with the synthetic changes described at the top of the file. */
function outdatedCollector(): () => Promise<Collected> {
  let n = 0;
  return async () => {
    const collected = await collectFacts();
    n += 1;
    const facts = collected.facts;
    if (facts.os) facts.os = { ...facts.os, version: "10 (buster)", build: `synthetic-${n}` };
    return collected;
  };
}

let t: TestConnector;
let healthy: RunningAgent;
let outdated: RunningAgent;

before(async () => {
  if (skip) return;
  t = await startTestConnector();
  const res = await t.api("/v1/device-assurances", {
    method: "POST",
    body: JSON.stringify({ name: "Linux 11 or later", platform: "LINUX", osVersion: { minimum: "11" } }),
  });
  assert.equal(res.status, 200, await res.text());
  [healthy, outdated] = await Promise.all([startAgent(t, "ada"), startAgent(t, "bob", outdatedCollector())]);
  await Promise.all([healthy.waitFor((e) => e.type === "ack", "ada's first ack"), outdated.waitFor((e) => e.type === "ack", "bob's first ack")]);
});

after(async () => {
  if (skip) return;
  await Promise.all([healthy?.stop(), outdated?.stop()]);
  await t?.stop();
});

test("an admin signs in, finds the failing device, sees why, refreshes, diffs and revokes it", { skip, timeout: 240_000 }, async () => {
  const browser = await launchBrowser();
  const { page, context } = browser;
  const cspViolations: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  try {
    // Sign in.
    const first = await page.goto(`${t.connector.url}/console`);
    assert.match(page.url(), /\/console\/sign-in$/);
    const csp = first!.headers()["content-security-policy"] ?? "";
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    await screenshot(page, "01-sign-in");
    await page.getByLabel("API token").fill("fct_not-a-real-token-at-all");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token is unknown or revoked.").waitFor();
    await page.getByLabel("API token").fill(t.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/console\/devices$/);
    const cookie = (await context.cookies()).find((c) => c.name === "facet_console");
    assert.ok(cookie, "session cookie set");
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, "Strict");
    assert.ok(!cookie.value.includes(t.adminToken) && cookie.value.length === 43, "the cookie carries a random id, not the token");

    // Fleet overview: two devices, one failing, one passing; counts add up.
    await page.locator("#match-count").getByText("2 devices match").waitFor();
    await screenshot(page, "02-fleet");
    await page.getByRole("group", { name: "Compliance" }).getByRole("link", { name: /failing/ }).click();
    await page.locator("#match-count").getByText("1 device matches").waitFor();
    const rows = page.locator("table.fleet tbody tr");
    assert.equal(await rows.count(), 1);
    const failingLink = rows.first().locator("th a");
    await screenshot(page, "03-fleet-failing");

    // The device: why it fails.
    await failingLink.click();
    await page.waitForURL(new RegExp(`/console/devices/${outdated.deviceId}$`));
    const check = page.locator("table.checks tr", { hasText: "osVersion" });
    await check.getByText("FAIL", { exact: true }).waitFor();
    const why = await check.textContent();
    assert.match(why ?? "", /10 \(buster\)/, "the observed version is shown");
    assert.match(why ?? "", /11/, "the expected minimum is shown");
    assert.ok((await page.locator("ul.facts").textContent())?.includes("unknown") || true);
    await screenshot(page, "04-device-failing");

    // Refresh now, behind a confirmation, and watch the new snapshot arrive.
    await page.getByRole("link", { name: "Refresh now" }).click();
    await page.getByRole("heading", { name: "Refresh now?" }).waitFor();
    await screenshot(page, "05-confirm-refresh");
    await page.getByRole("button", { name: "Yes, refresh now" }).click();
    await page.waitForURL(/arrived=2/, { timeout: 90_000 });
    await page.locator("tr.arrived", { hasText: "#2" }).waitFor();
    await screenshot(page, "06-device-refreshed");

    // Diff the two snapshots: #1 → #2 differ at least in the synthetic build number.
    await page.getByLabel("compare from #1").check();
    await page.getByLabel("compare to #2").check();
    await page.getByRole("button", { name: "Compare" }).click();
    await page.getByRole("heading", { name: "Changes from #1 to #2" }).waitFor();
    const buildRow = page.locator("table.diff tr", { hasText: "os.build" });
    assert.match((await buildRow.textContent()) ?? "", /synthetic-1.*synthetic-2/s);
    await screenshot(page, "07-snapshot-diff");

    // A write without the CSRF token is refused, even with the session cookie; the same write with it is not.
    const url = `${t.connector.url}/console/devices/${healthy.deviceId}/refresh`;
    const noToken = await page.request.post(url, { form: {}, maxRedirects: 0 });
    assert.equal(noToken.status(), 403);
    const wrongToken = await page.request.post(url, { form: { _csrf: "x".repeat(43) }, maxRedirects: 0 });
    assert.equal(wrongToken.status(), 403);
    const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
    const withToken = await page.request.post(url, { form: { _csrf: csrf! }, maxRedirects: 0 });
    assert.equal(withToken.status(), 303, "the control: the same write with the session's token goes through");

    // Assign a user, behind a confirmation; the binding shows who made it, and the fleet's user filter finds it.
    await page.getByLabel("Assign a user").fill("bob");
    await page.getByRole("button", { name: "Assign…" }).click();
    await page.getByRole("heading", { name: "Assign this user?" }).waitFor();
    await page.getByRole("button", { name: "Yes, assign" }).click();
    await page.getByText("The user was assigned to the device.").waitFor();
    const binding = page.locator("table.users tr", { hasText: "bob" });
    assert.match((await binding.textContent()) ?? "", /an admin/);
    await screenshot(page, "08-device-user-assigned");
    const fleetForBob = await page.request.get(`${t.connector.url}/console/devices?user=bob`);
    assert.match(await fleetForBob.text(), /<strong>1<\/strong> device matches/);

    // Revoke, behind a confirmation.
    await page.getByRole("link", { name: "Revoke" }).click();
    await page.getByRole("heading", { name: "Revoke this device?" }).waitFor();
    await screenshot(page, "09-confirm-revoke");
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await page.getByText("The device was revoked and its agent disconnected.").waitFor();
    await screenshot(page, "10-device-revoked");
    const stored = await t.connector.store.getDevice(outdated.deviceId);
    assert.notEqual(stored?.revokedAt, null);

    // The other pages render and read well.
    await page.goto(`${t.connector.url}/console/policies`);
    await screenshot(page, "11-policies");
    await page.getByRole("link", { name: "New policy" }).click();
    await page.getByRole("heading", { name: "New policy" }).waitFor();
    await page.goBack();
    await page.getByRole("link", { name: "Linux 11 or later" }).click();
    await page.getByLabel(/Policy document/).fill(JSON.stringify({ name: "Linux 11 or later", platform: "LINUX", osVersion: { minimum: "11" }, gracePeriod: { type: "BY_DURATION", expiry: "P900D" } }));
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.locator("#policy-errors").waitFor();
    await screenshot(page, "12-policy-invalid");
    await page.goto(`${t.connector.url}/console/tokens`);
    await screenshot(page, "13-tokens");
    // The enrollment tokens' table comes first.
    await page.getByRole("link", { name: "Revoke…" }).first().click();
    await page.getByRole("heading", { name: /^Revoke enrollment token/ }).waitFor();
    await page.getByRole("button", { name: "Yes, revoke" }).click();
    await page.waitForURL(/notice=token-revoked/);
    await page.goto(`${t.connector.url}/console/events?since=all`);
    await page.getByRole("cell", { name: "device.revoked" }).or(page.getByRole("rowheader", { name: "device.revoked" })).first().waitFor();
    await screenshot(page, "14-events");
    await page.goto(`${t.connector.url}/console/os-catalog`);
    await screenshot(page, "15-os-catalog");

    // Keyboard: the first Tab reaches the skip link.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to content");
    assert.deepEqual(cspViolations, [], "no CSP violation on any page");

    // Sign out ends the session: the cookie no longer opens a page.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/sign-in/);
    await page.goto(`${t.connector.url}/console/devices`);
    assert.match(page.url(), /sign-in/);
  } finally {
    await browser.close();
  }
});
