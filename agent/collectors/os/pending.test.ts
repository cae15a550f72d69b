import { test } from "node:test";
import assert from "node:assert/strict";
import { createContext } from "../probe.ts";
import { fixture } from "../fixtures.ts";
import { probeLinuxPendingSecurity } from "./linux.ts";

test("a slow pending-security check: the agent's short wait says so in plain words; a one-shot run's longer wait gets the answer", async () => {
  const recorded = fixture(import.meta.url, "debian-12-container.apt-get-s-upgrade.txt");
  let release: () => void = () => undefined;
  const slow = new Promise<void>((resolve) => { release = resolve; });
  const ctx = {
    ...createContext({ platform: "linux" }),
    run: async (argv: readonly string[]) => {
      if (argv[0] !== "apt-get") return { ok: false as const, reason: `${argv[0]}: command not found` };
      await slow; // the simulation without apt's binary cache
      return { ok: true as const, stdout: recorded, stderr: "", code: 0 };
    },
  };
  const short = await probeLinuxPendingSecurity(ctx, 50);
  assert.equal(short.ok, false);
  if (!short.ok) assert.match(short.reason, /did not finish within 50 ms; the running agent reports it in its next snapshot/);
  const long = probeLinuxPendingSecurity(ctx, 10_000);
  setTimeout(release, 100);
  const answer = await long;
  assert.equal(answer.ok, true, "the one-shot wait outlasts the check");
  if (answer.ok) assert.ok(answer.value > 0);
});
