/**
 * The fleet page at 50,000 devices: rows seeded straight into the store's tables (synthetic
 * devices, no agents), then read through the console over HTTP. Counts add up, the failing filter
 * pages through exactly the failing devices with no repeats, and a page deep in the list costs
 * about what the first one does (keyset cursor, not OFFSET). Timings are printed for docs/console.md.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import { startTestConnector, TEST_STORE, type TestConnector } from "../support/connector.ts";
import type { PostgresStore } from "../../connector/store/postgres/store.ts";
import { encodeCursor } from "../../connector/console/fleet.ts";

const DEVICES = 50_000;
/** Every 50th device fails (1,000), 39 of each 50 pass (39,000), the other 10 were never evaluated (10,000). */
const FAILING = DEVICES / 50;
const PASSING = (DEVICES / 50) * 39;

let t: TestConnector;
let cookie: string;
let policyId: string;

async function seed(now: number): Promise<void> {
  const devices = `INSERT INTO devices (id, name, public_key, platform, enrolled_at, last_seq, last_seen_at)
    SELECT 'seed-' || lpad_i, 'host-' || lpad_i, 'key-' || i, CASE i % 3 WHEN 0 THEN 'linux' WHEN 1 THEN 'mac_os' ELSE 'windows' END, ${now}, 0, ${now} - (i % 100) * 3600000 FROM n`;
  const compliance = `INSERT INTO compliance (device_id, policy_id, policy_version, result, passing, evaluated_at, detail)
    SELECT 'seed-' || lpad_i, '${policyId}', 1, CASE WHEN i % 50 = 0 THEN 'FAIL' ELSE 'PASS' END, PASSING_EXPR, ${now}, '{}' FROM n WHERE i % 50 < 40`;
  if (TEST_STORE === "sqlite") {
    const db = new Database(t.databasePath);
    db.pragma("busy_timeout = 10000");
    const n = `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${DEVICES}), n AS (SELECT i, printf('%05d', i) AS lpad_i FROM seq)`;
    db.transaction(() => {
      db.exec(`${n} ${devices}`);
      db.exec(`${n} ${compliance.replace("PASSING_EXPR", "CASE WHEN i % 50 = 0 THEN 0 ELSE 1 END")}`);
    })();
    db.close();
  } else {
    const pool = (t.connector.store as PostgresStore).pool;
    const n = `WITH n AS (SELECT i, lpad(i::text, 5, '0') AS lpad_i FROM generate_series(1, ${DEVICES}) AS i)`;
    await pool.query(`${n} ${devices}`);
    await pool.query(`${n} ${compliance.replace("PASSING_EXPR", "i % 50 <> 0")}`);
  }
}

async function get(path: string): Promise<{ html: string; ms: number; status: number }> {
  const started = performance.now();
  const res = await fetch(`${t.connector.url}${path}`, { headers: { cookie }, redirect: "manual" });
  const html = await res.text();
  return { html, ms: performance.now() - started, status: res.status };
}

const deviceIds = (html: string) => [...html.matchAll(/<th scope="row"><a href="\/console\/devices\/([^"]+)">/g)].map((m) => m[1]!);
const nextLink = (html: string) => /<a rel="next" href="([^"]+)"/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? null;

before(async () => {
  t = await startTestConnector();
  const res = await t.api("/v1/device-assurances", { method: "POST", body: JSON.stringify({ name: "Seeded", platform: "LINUX", firewallEnabled: true }) });
  policyId = ((await res.json()) as { id: string }).id;
  await seed(Date.now());
  const signIn = await fetch(`${t.connector.url}/console/sign-in`, { method: "POST", body: new URLSearchParams({ token: t.adminToken }), redirect: "manual" });
  assert.equal(signIn.status, 303);
  cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
});

after(() => t?.stop());

test("at 50,000 devices the counts add up and the failing filter pages through exactly the failing devices", { timeout: 300_000 }, async () => {
  const first = await get("/console/devices");
  assert.equal(first.status, 200);
  assert.match(first.html, /<strong>50,000<\/strong> devices match/);
  const chip = (label: string) => Number(new RegExp(`<span class="n">([\\d,]+)</span> ${label}</a>`).exec(first.html)?.[1]?.replaceAll(",", ""));
  assert.equal(chip("failing"), FAILING);
  assert.equal(chip("passing"), PASSING);
  assert.equal(chip("not evaluated"), DEVICES - FAILING - PASSING);
  assert.equal(chip("fresh") + chip("stale"), DEVICES, "every device is fresh or stale");
  assert.equal(deviceIds(first.html).length, 50);

  const seen = new Set<string>();
  let path: string | null = "/console/devices?compliance=failing";
  const timings: number[] = [];
  while (path) {
    const page = await get(path);
    timings.push(page.ms);
    for (const id of deviceIds(page.html)) {
      assert.ok(!seen.has(id), `${id} appears on two pages`);
      seen.add(id);
    }
    path = nextLink(page.html);
  }
  assert.equal(seen.size, FAILING, "the pages hold exactly the devices the failing count says");
  assert.ok([...seen].every((id) => Number(id.slice(5)) % 50 === 0), "and only failing ones");
  console.log(`fleet page, 50,000 devices: first page ${first.ms.toFixed(0)} ms; failing filter, ${timings.length} pages: median ${median(timings).toFixed(0)} ms, max ${Math.max(...timings).toFixed(0)} ms`);
});

test("a page deep in 50,000 devices costs about what the first does and ends the list", { timeout: 300_000 }, async () => {
  // The cursor of row 49,950 by name: 'host-49950' sorts there, and ids equal names' numbers.
  const cursor = encodeCursor({ sortKey: "host-49950", id: "seed-49950" });
  const firsts: number[] = [];
  const deeps: number[] = [];
  for (let i = 0; i < 3; i++) {
    firsts.push((await get("/console/devices")).ms);
    const deep = await get(`/console/devices?cursor=${cursor}&page=1000`);
    deeps.push(deep.ms);
    assert.deepEqual(deviceIds(deep.html), Array.from({ length: 50 }, (_, k) => `seed-${String(49951 + k)}`));
    assert.equal(nextLink(deep.html), null, "no page after the last");
  }
  console.log(`fleet page, 50,000 devices: first page median ${median(firsts).toFixed(0)} ms, page 1,000 median ${median(deeps).toFixed(0)} ms`);
  // Generous on a shared machine: OFFSET paging would read 49,950 rows first and cost many times more.
  assert.ok(median(deeps) < Math.max(4 * median(firsts), 1500), `deep page ${median(deeps)} ms vs first ${median(firsts)} ms`);
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
