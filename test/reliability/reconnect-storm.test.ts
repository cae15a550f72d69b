/**
 * Reconnect storm: a fleet of agents loses its connector to kill -9 and reconnects at once to the
 * restarted one, each with the agent's own backoff (exponential, full jitter). All re-attach, each
 * within the bounds its backoff schedule allows, none gives up, and the connector's memory stays
 * bounded. The test runs 300 agents to stay quick in CI (FACET_STORM_AGENTS to change);
 * `npm run bench -- --only storm` runs 2,000.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_BACKOFF } from "../../agent/transport/backoff.ts";
import { enrollDevices } from "../../scripts/bench/fleet.ts";
import { startStormFleet, type StormFleet } from "../../scripts/bench/storm.ts";
import { killChild, startChildConnector, type ChildConnector } from "../support/child-connector.ts";
import { until } from "../support/until.ts";

const AGENTS = Number(process.env.FACET_STORM_AGENTS ?? 300);
/** Handshake time allowed on top of the backoff schedule (a loaded 2-core CI machine). */
const HANDSHAKE_SLACK_MS = 10_000;
const dir = mkdtempSync(join(tmpdir(), "facet-storm-"));
let connector: ChildConnector | undefined;
let fleet: StormFleet | undefined;

after(async () => {
  fleet?.stop();
  if (connector) await killChild(connector, "SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
}

test(`${AGENTS} agents re-attach within their backoff bounds after a kill -9, and memory stays bounded`, { timeout: 150_000 }, async () => {
  const database = join(dir, "facet.db");
  const limits = { heartbeatMs: 60_000 };
  connector = await startChildConnector(database, 0, limits);
  const devices = await enrollDevices([connector.url], connector.enrollToken!, AGENTS, 0, 32);
  fleet = await startStormFleet({ agentUrl: connector.agentUrl, devices, backoff: DEFAULT_BACKOFF });
  await until("the whole fleet connected", () => fleet!.connected() === AGENTS, 60_000);
  const rssBefore = rssBytes(connector.process.pid!);

  fleet.armStorm();
  await killChild(connector, "SIGKILL");
  const killedAt = Date.now();
  connector = await startChildConnector(database, connector.port, limits);
  const restartedAt = Date.now();

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(connector!.process.pid!))), 50);
  try {
    // The slowest legal agent: down for the restart, then its full backoff schedule.
    await until("every agent re-attached", () => fleet!.records.every((r) => r.reattachedAt !== null), 90_000);
  } finally {
    clearInterval(sampler);
  }
  await new Promise((r) => setTimeout(r, 500));
  const rssAfter = rssBytes(connector.process.pid!);

  for (const r of fleet.records) {
    assert.ok(r.lostAt !== null && r.lostAt >= killedAt - 1000, `${r.deviceId} noticed the loss`);
    const took = r.reattachedAt! - r.lostAt!;
    assert.ok(took <= r.ceilingMs + HANDSHAKE_SLACK_MS, `${r.deviceId} re-attached after ${took} ms, beyond its backoff bound ${r.ceilingMs} ms`);
    for (const [attempt, delay] of r.delays.entries()) {
      assert.ok(delay <= Math.min(DEFAULT_BACKOFF.capMs, DEFAULT_BACKOFF.baseMs * 2 ** attempt), `${r.deviceId}: delay ${delay} ms beyond the window of attempt ${attempt}`);
    }
  }
  assert.equal(fleet.connected(), AGENTS, "no agent gave up");
  // Full jitter spreads the first retries over the first window instead of one burst.
  const firstDelays = fleet.records.map((r) => r.delays[0] ?? 0).sort((a, b) => a - b);
  assert.ok(firstDelays.at(-1)! - firstDelays[0]! > DEFAULT_BACKOFF.baseMs / 2, "first retries are spread by jitter");
  // The restarted connector holds the same fleet in about the memory the first one did.
  assert.ok(peakRss < rssBefore * 1.5 + 64 * 1024 * 1024, `peak RSS ${peakRss} during the storm vs ${rssBefore} before`);
  assert.ok(rssAfter < rssBefore * 1.5 + 32 * 1024 * 1024, `RSS ${rssAfter} after the storm vs ${rssBefore} before`);
  const slowest = Math.max(...fleet.records.map((r) => r.reattachedAt! - restartedAt));
  console.log(`storm: ${AGENTS} agents re-attached, slowest ${slowest} ms after the restart; RSS before ${Math.round(rssBefore / 1048576)} MB, peak ${Math.round(peakRss / 1048576)} MB, after ${Math.round(rssAfter / 1048576)} MB`);
});

