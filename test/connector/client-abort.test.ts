/**
 * A client that aborts its request mid-body is the client's problem, not a database outage: it
 * must not be logged as "the database is unavailable" nor answered as store_unavailable.
 * Real connector, raw sockets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { Writable } from "node:stream";
import { pino } from "pino";
import { startTestConnector } from "../support/connector.ts";
import { until } from "../support/until.ts";

test("aborting POST /v1/enroll mid-body logs no store outage and leaves the connector serving", async () => {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l)); done(); } });
  const t = await startTestConnector({ logger: pino({ level: "debug" }, sink) });
  const startup = lines.length; // a stale OS catalog warns at start; only what the aborts cause counts
  try {
    for (let i = 0; i < 5; i++) {
      const socket = connect(t.connector.port, "127.0.0.1");
      await new Promise((r) => socket.once("connect", r));
      socket.write("POST /v1/enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"token\":\"fce_");
      await new Promise((r) => setTimeout(r, 100));
      socket.destroy();
    }
    // The aborted reads end quickly; give them time to reach a log line if they were going to.
    await until("the connector answers /healthz", async () => (await fetch(`${t.connector.url}/healthz`)).ok);
    await new Promise((r) => setTimeout(r, 500));
    const caused = lines.slice(startup);
    assert.deepEqual(caused.filter((l) => /database|store/i.test(l.msg)), [], "no line speaks of the database");
    assert.deepEqual(caused.filter((l) => l.level >= 40), [], "nothing at warn or above");
    const events = await t.connector.store.listEvents({ limit: 100 });
    assert.ok(!events.some((e) => JSON.stringify(e.data).includes("store_unavailable")));
  } finally {
    await t.stop();
  }
});
