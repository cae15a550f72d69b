/**
 * `facet os-catalog` shows text that came from feeds on the internet: every field must reach the
 * terminal inert. The connector's answers here are synthetic, each field carrying escape
 * sequences (window title, cursor moves, erase), a bell, a bidi override and a newline that would
 * forge a row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Command } from "commander";
import type { FacetClient } from "./client.ts";
import { registerOsCatalogCommands } from "./os-catalog.ts";

const EVIL = "\u001b]0;owned\u0007\u001b[2K\u001b[1A\r\n| forged | row |\u202e";

function hostileAnswers(path: string): Record<string, unknown> {
  const freshness = { version: EVIL, publishedAt: EVIL, confirmedAt: EVIL, ageDays: EVIL, maxAgeDays: EVIL, staleFrom: EVIL, stale: true, datedInFuture: false };
  const source = { id: EVIL, url: EVIL, lastConfirmedAt: EVIL, lastAttemptAt: EVIL, lastError: EVIL, said: EVIL };
  if (path === "/v1/os-catalog/update") return { outcome: "confirmed", previous: EVIL, version: EVIL, changes: [EVIL], sources: [source, { ...source, lastError: null }], freshness };
  return {
    source: EVIL,
    catalog: {
      version: EVIL,
      publishedAt: EVIL,
      sources: { macos: { from: EVIL } },
      macos: [{ major: EVIL, name: EVIL, latest: EVIL, latestReleased: EVIL, supported: true }],
      windows: [{ product: EVIL, release: EVIL, build: EVIL, endOfSupport: EVIL, updates: [{ ubr: EVIL, date: EVIL }] }],
    },
    freshness,
    platforms: { macos: freshness },
    sources: [source],
  };
}

async function run(...args: string[]): Promise<string> {
  const client = { request: async (_method: string, path: string) => hostileAnswers(path) } as unknown as FacetClient;
  const program = new Command().exitOverride();
  registerOsCatalogCommands(program, () => client);
  let out = "";
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(["node", "facet", ...args]);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

for (const command of [["os-catalog", "show"], ["os-catalog", "update"]]) {
  test(`${command.join(" ")} shows every field from the feeds with its control characters escaped`, async () => {
    const out = await run(...command);
    assert.ok(out.length > 0);
    assert.doesNotMatch(out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/, "no control character but the CLI's own line breaks");
    assert.ok(out.includes("\\x1b]0;owned\\x07\\x1b[2K\\x1b[1A\\r\\n| forged | row |\\u202e"), "the hostile text is shown, visibly escaped");
    for (const line of out.split("\n")) assert.doesNotMatch(line, /^\| forged/, "no row forged by a newline in a field");
  });
}
