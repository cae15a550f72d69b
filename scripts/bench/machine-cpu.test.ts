import { test } from "node:test";
import assert from "node:assert/strict";
import { machineCpuBetween, parseProcStat, sampleMachineCpu, stealNote } from "./machine-cpu.ts";

// The head of /proc/stat recorded on this repository's development VM (2 cores, Linux 6.18, 2026-12-03).
const BEFORE = "cpu  345180 446 28118 174870 3044 0 2933 10542 0 0\ncpu0 163919 250 14316 96863 1236 0 831 5195 0 0\ncpu1 181260 195 13801 78007 1808 0 2101 5346 0 0\nintr 2770872 0 0\n";
// Synthetic: BEFORE's aggregate line plus 300 ticks (user 100, system 40, idle 60, softirq 40, steal 60).
const AFTER = "cpu  345280 446 28158 174930 3044 0 2973 10602 0 0\n";

test("the aggregate cpu line gives total, idle (with iowait) and steal ticks", () => {
  assert.deepEqual(parseProcStat(BEFORE), { total: 345180 + 446 + 28118 + 174870 + 3044 + 2933 + 10542, idle: 174870 + 3044, steal: 10542 });
  assert.throws(() => parseProcStat("cpu0 1 2 3\n"));
});

test("between two samples: busy and stolen shares of all cores' time", () => {
  // 300 ticks in all: 60 idle, 60 stolen, 180 busy.
  const share = machineCpuBetween(parseProcStat(BEFORE), parseProcStat(AFTER))!;
  assert.equal(share.steal, 0.2);
  assert.equal(Math.round(share.busy * 100) / 100, 0.6);
  assert.equal(machineCpuBetween(null, parseProcStat(AFTER)), null);
  assert.equal(machineCpuBetween(parseProcStat(AFTER), parseProcStat(AFTER)), null);
});

test("a run during heavy steal gets a warning; one with little steal, or no sample, none", () => {
  assert.match(stealNote("lookup (check)", { busy: 0.6, steal: 0.2 })!, /^lookup \(check\): the hypervisor took 20 % /);
  assert.equal(stealNote("lookup (check)", { busy: 0.6, steal: 0.05 }), null);
  assert.equal(stealNote("lookup (check)", null), null);
});

test("CPU burnt here shows up as busy time of the machine", { skip: process.platform !== "linux" }, () => {
  const before = sampleMachineCpu();
  const start = process.cpuUsage();
  let x = 0;
  while (process.cpuUsage(start).user < 300_000) x += Math.sqrt(x + 1);
  const share = machineCpuBetween(before, sampleMachineCpu())!;
  assert.ok(share.busy > 0.2, `busy ${share.busy} (${x > 0})`);
  assert.ok(share.steal >= 0 && share.steal < 1);
});
