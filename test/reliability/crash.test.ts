/**
 * kill -9 of the connector while real agents push: after a restart on the same database, every
 * snapshot an agent saw acknowledged is in the store, and one it had sent without an ack is stored
 * too: resent, or already committed before the kill (welcome.lastSeq tells the agent so).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enroll, runAgent, type SessionEvent } from "../../agent/index.ts";
import type { Collected } from "../../agent/collectors/types.ts";
import { openStore } from "../../connector/store/open.ts";
import { uniqueFacts, SAMPLE_UNKNOWN } from "../support/facts.ts";
import { killChild, startChildConnector, type ChildConnector } from "../support/child-connector.ts";
import { until } from "../support/until.ts";

const AGENTS = 12;
const dir = mkdtempSync(join(tmpdir(), "facet-crash-"));
const database = join(dir, "facet.db");
const aborts: AbortController[] = [];
let current: ChildConnector | undefined;

after(async () => {
  for (const a of aborts) a.abort();
  if (current) await killChild(current, "SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

interface AgentLog {
  deviceId: string;
  events: { at: "before" | "after"; event: SessionEvent }[];
}

test("after kill -9 mid-push, every acked snapshot is stored, and each unacked one is resent or was already committed", { timeout: 90_000 }, async () => {
  // Agents push every second; the history cap (20) stays above what one agent sends here.
  const limits = { snapshotIntervalSeconds: 1 };
  current = await startChildConnector(database, 0, limits);
  const first = current;
  const port = first.port;

  const logs: AgentLog[] = [];
  let phase: "before" | "after" = "before";
  let killAfterSends = AGENTS * 3;
  let killed: Promise<void> | undefined;

  for (let i = 0; i < AGENTS; i++) {
    const stateDir = join(dir, `agent-${i}`);
    const { deviceId } = await enroll({ url: first.url, token: first.enrollToken!, stateDir, hostname: `crash-${i}`, username: `user${i}` });
    const log: AgentLog = { deviceId, events: [] };
    logs.push(log);
    const facts = uniqueFacts();
    const collect = async (): Promise<Collected> => ({ facts, unknown: SAMPLE_UNKNOWN, durationMs: 1 });
    const abort = new AbortController();
    aborts.push(abort);
    void runAgent({
      stateDir,
      signal: abort.signal,
      collect,
      backoff: { baseMs: 100, capMs: 1000 },
      onEvent: (event) => {
        log.events.push({ at: phase, event });
        // Kill in the same tick as a send: that frame is in flight, unacknowledged.
        if (event.type === "sent" && phase === "before" && --killAfterSends === 0) {
          first.process.kill("SIGKILL");
          killed = first.exited;
        }
      },
    }).catch((error: unknown) => log.events.push({ at: phase, event: { type: "rejected", code: "agent_stopped", message: String(error) } }));
  }

  await until("agents pushed enough to kill the connector mid-push", () => killed !== undefined, 30_000);
  await killed;
  phase = "after";
  current = await startChildConnector(database, port, limits);

  const seqs = (log: AgentLog, type: "sent" | "ack", at: "before" | "after") =>
    log.events.filter((e) => e.at === at && e.event.type === type).map((e) => (e.event as { seq: number }).seq);
  // Every agent comes back and gets an ack beyond everything it sent before the crash.
  await until(
    "every agent reconnected and was acked past its pre-crash sends",
    () => logs.every((l) => Math.max(0, ...seqs(l, "ack", "after")) > Math.max(0, ...seqs(l, "sent", "before"))),
    40_000,
  );
  for (const a of aborts) a.abort();
  await killChild(current, "SIGTERM");
  current = undefined;

  const store = await openStore(database);
  let ackedBefore = 0;
  let unackedBefore = 0;
  let resends = 0;
  try {
    for (const log of logs) {
      const stored = new Set((await store.snapshotHistory(log.deviceId, 1000)).map((s) => s.seq));
      const acked = new Set(seqs(log, "ack", "before"));
      for (const seq of acked) assert.ok(stored.has(seq), `${log.deviceId}: seq ${seq} was acked before the crash but is not stored`);
      ackedBefore += acked.size;
      const unacked = seqs(log, "sent", "before").filter((s) => !acked.has(s));
      // What the restarted connector told this agent it already had.
      const welcomeAfter = log.events.find((e) => e.at === "after" && e.event.type === "welcome")?.event as { welcome: { lastSeq: number } } | undefined;
      for (const seq of unacked) {
        unackedBefore += 1;
        const resent = log.events.some((e) => e.at === "after" && e.event.type === "sent" && e.event.seq === seq && e.event.resend);
        const committedBeforeCrash = (welcomeAfter?.welcome.lastSeq ?? 0) >= seq;
        // Either the connector died before committing it and the agent resent it, or it committed
        // it and died before the ack — then welcome.lastSeq tells the agent so and it need not resend.
        assert.ok(resent || committedBeforeCrash, `${log.deviceId}: seq ${seq} was sent but not acked before the crash, not committed, and not resent`);
        if (resent) resends += 1;
        assert.ok(stored.has(seq), `${log.deviceId}: seq ${seq} was sent before the crash but is not stored`);
      }
      assert.ok(!log.events.some((e) => e.event.type === "rejected" && e.event.code === "agent_stopped"), `${log.deviceId}: the agent gave up`);
    }
  } finally {
    await store.close();
  }
  assert.ok(ackedBefore >= AGENTS, `agents had snapshots acked before the crash (${ackedBefore})`);
  assert.ok(unackedBefore >= 1, "at least one snapshot was in flight, unacknowledged, at the kill");
  console.log(`crash: ${ackedBefore} snapshots acked before the kill, ${unackedBefore} in flight, ${resends} of those resent after the restart`);
});

