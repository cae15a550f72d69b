import { test } from "node:test";
import assert from "node:assert/strict";
import { cpuBetween, parseStatLine, sampleThreads } from "./thread-cpu.ts";

// Recorded on this repository's development VM (Linux 6.18, 2026-12-02): a Node 20 main thread,
// a kernel worker, and a process that named itself "pool (x) 1" with prctl(PR_SET_NAME).
const NODE = "11015 (node) R 11013 11013 5385 0 -1 4194304 2363 0 0 0 4 1 0 0 20 0 12 0 44225 1598603264 13119 18446744073709551615 11988992 39846385 140725501098688 0 0 0 0 16781312 17922 0 0 0 17 0 0 0 0 0 0 90418888 90555584 359952384 140725501102293 140725501102640 140725501102640 140725501104106 0\n";
const KWORKER = "4 (kworker/R-rcu_gp) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 -20 1 0 26 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0";
const ODD_NAME = "11417 (pool (x) 1) R 11414 11414 5385 0 -1 4194304 2888 6598 2 0 14 0 4 2 20 0 1 0 47773 17145856 3427 18446744073709551615 94284178886656 94284178886997 140731368787104 0 0 0 0 16781312 2 0 0 0 17 0 0 0 0 0 0 94284178898352 94284178898968 94284805971968 140731368794014 140731368794213 140731368794213 140731368796111 0";

test("recorded /proc stat lines give the thread id, its name, utime + stime and its minor faults", () => {
  assert.deepEqual(parseStatLine(NODE), { tid: 11015, comm: "node", ticks: 5, minorFaults: 2363 });
  assert.deepEqual(parseStatLine(KWORKER), { tid: 4, comm: "kworker/R-rcu_gp", ticks: 0, minorFaults: 0 });
  // Children's times (cutime 4, cstime 2) and faults (cminflt 6598) are not the thread's own.
  assert.deepEqual(parseStatLine(ODD_NAME), { tid: 11417, comm: "pool (x) 1", ticks: 14, minorFaults: 2888 });
  assert.throws(() => parseStatLine("garbage"));
});

test("CPU burnt on this thread shows up as the main thread's, other threads grouped by label or name", { skip: process.platform !== "linux" }, () => {
  const before = sampleThreads(process.pid)!;
  const start = process.cpuUsage();
  let x = 0;
  while (process.cpuUsage(start).user < 250_000) x += Math.sqrt(x + 1);
  const after = sampleThreads(process.pid)!;
  const otherTid = [...after.threads.keys()].find((t) => t !== process.pid)!;
  const { groups } = cpuBetween(before, after, new Map([[otherTid, "labelled"]]));
  assert.equal(groups[0]!.name, "main");
  assert.ok(groups[0]!.cpuMs >= 150, `main thread ${groups[0]!.cpuMs} ms, ${x > 0}`);
  assert.equal(groups.find((g) => g.name === "labelled")?.threads, 1);
  assert.equal(groups.reduce((n, g) => n + g.threads, 0), after.threads.size);
});
