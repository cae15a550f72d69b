#!/usr/bin/env -S npx tsx
/**
 * Records the facts document the real agent's collectors produce on this machine, for the bench's
 * real-size snapshots (real-facts.ts). Secrets are scrubbed before anything is written: a process
 * whose command line could carry one (an environment blob, a token, key or password argument)
 * keeps only its program, and the machine's own identity (hostname, machine id) is replaced.
 *
 *   npx tsx scripts/bench/record-agent-facts.ts [out.json]   # default scripts/bench/fixtures/linux-agent-facts.json
 */
import { writeFileSync } from "node:fs";
import { release } from "node:os";
import { collectFacts } from "../../agent/collectors/index.ts";
import type { Facts } from "../../shared/facts/schema.ts";

const out = process.argv[2] ?? new URL("fixtures/linux-agent-facts.json", import.meta.url).pathname;
const MAY_HOLD_SECRET = /--env|[{}]|token|secret|passw|apikey|api[-_]key|bearer|credential|auth/i;

const { facts, unknown } = await collectFacts({ oneShot: true });
const scrubbed: Facts = {
  ...facts,
  processes: facts.processes?.map((p) => (MAY_HOLD_SECRET.test(p.name) ? { ...p, name: p.name.split(" ")[0]! } : p)) ?? null,
  network: facts.network ? { ...facts.network, hostname: "recorded-host" } : null,
  hardware: facts.hardware ? { ...facts.hardware, machine_id: "0".repeat(32) } : null,
};
const recorded = {
  what: "facts document from agent/collectors collectFacts({ oneShot: true }), recorded by scripts/bench/record-agent-facts.ts",
  where: `${facts.os?.name ?? "?"} ${facts.os?.version ?? ""} (kernel ${release()}), the development VM of this repository`,
  when: new Date().toISOString(),
  scrubbed: "processes whose command line could hold a secret keep only the program; hostname and machine id replaced",
  counts: { software: scrubbed.software?.length ?? 0, processes: scrubbed.processes?.length ?? 0 },
};
writeFileSync(out, JSON.stringify({ recorded, facts: scrubbed, unknown }, null, 1) + "\n");
process.stderr.write(`wrote ${out}: ${recorded.counts.software} software entries, ${recorded.counts.processes} processes\n`);
