import { test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import pino from "pino";
import { EXIT_DEVICE_REJECTED } from "../errors.ts";
import { onDeviceRejected } from "./rejected.ts";

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
  return { log: pino({ level: "info" }, sink), lines };
}

test("by default a rejected device exits 78, which the systemd unit's RestartPreventExitStatus names, and runs nothing", () => {
  const ran: string[][] = [];
  assert.equal(onDeviceRejected({}, capturingLogger().log, (argv) => ran.push(argv)), EXIT_DEVICE_REJECTED);
  assert.equal(EXIT_DEVICE_REJECTED, 78);
  assert.deepEqual(ran, []);
});

test("the exit status asked for by the service definition is used (0 under launchd)", () => {
  assert.equal(onDeviceRejected({ exitCode: 0 }, capturingLogger().log, () => assert.fail("nothing to run")), 0);
});

test("under Task Scheduler the agent disables its own task, then exits", async () => {
  const ran: string[][] = [];
  const { log, lines } = capturingLogger();
  assert.equal(onDeviceRejected({ disableTask: "\\Facet\\FacetAgent" }, log, (argv) => ran.push(argv)), 78);
  assert.deepEqual(ran, [["schtasks.exe", "/Change", "/TN", "\\Facet\\FacetAgent", "/DISABLE"]]);
  await new Promise((r) => setImmediate(r));
  assert.ok(lines.some((l) => l.level === 40 && /disabled the scheduled task/.test(String(l.msg))));
});

test("if the task cannot be disabled the agent still exits with the rejection status, and logs why", async () => {
  const { log, lines } = capturingLogger();
  const code = onDeviceRejected({ disableTask: "\\Facet\\FacetAgent" }, log, () => {
    throw new Error("Command failed: schtasks.exe /Change: ERROR: Access is denied.");
  });
  assert.equal(code, 78);
  await new Promise((r) => setImmediate(r));
  const err = lines.find((l) => l.level === 50);
  assert.match(String(err?.msg), /could not disable the scheduled task; it will keep being started/);
  assert.match(String(err?.err), /Access is denied/);
});
