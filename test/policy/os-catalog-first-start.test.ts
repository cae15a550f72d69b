/**
 * First start of a connector that refreshes its OS release catalog but cannot reach the sources
 * (a dead loopback port): it says so once, naming each source and the commands to run, keeps the
 * catalog it has, and `GET /v1/os-catalog` (what `facet os-catalog show` prints) names each source,
 * its last error and that it was never confirmed.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { startTestConnector, type TestConnector } from "../support/connector.ts";

const lines: { level: number; msg: string }[] = [];
const logger = pino({ level: "info" }, new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) }));
let t: TestConnector | undefined;
/** A loopback port nothing listens on: taken, then released. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
after(async () => t?.stop());

test("a first start without the sources says so once, with the command, and keeps the catalog", async () => {
  const DEAD = `http://127.0.0.1:${await deadPort()}`;
  t = await startTestConnector({
    logger,
    limits: { osCatalogRefreshMs: 86_400_000, osCatalogFetchTimeoutMs: 5_000, osCatalogSources: { sofa: `${DEAD}/sofa.json`, endoflife: `${DEAD}/{product}.md`, msrc: `${DEAD}/{id}` } },
  });
  const report = await t.connector.osCatalog!.first;
  assert.equal(report?.outcome, "failed");
  const warnings = lines.filter((l) => l.level === 40 && /could not update the OS release catalog/.test(l.msg));
  assert.equal(warnings.length, 1, JSON.stringify(lines.map((l) => l.msg)));
  assert.match(warnings[0]!.msg, /sofa: http:\/\/127\.0\.0\.1:\d+\/sofa\.json: ECONNREFUSED/);
  assert.match(warnings[0]!.msg, /Run `facet os-catalog update`.*`facet os-catalog build --from <saved feeds…> -o catalog\.json`.*`facet os-catalog import catalog\.json`/);
  const res = await t.api("/v1/os-catalog");
  const body = (await res.json()) as { source: string; sources: { id: string; lastConfirmedAt: string | null; lastError: string | null }[] };
  assert.equal(body.source, "bundled");
  assert.deepEqual(body.sources.map((s) => [s.id, s.lastConfirmedAt]), [["sofa", null], ["endoflife", null], ["msrc", null]]);
  for (const s of body.sources) assert.match(s.lastError ?? "", /127\.0\.0\.1:\d+.*ECONNREFUSED/);
});
