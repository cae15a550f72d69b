import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { scanCoverage, listFixtures } from "./coverage-scan.ts";
import { parseFixtureHeader } from "./fixtures.ts";

const root = new URL("./", import.meta.url).pathname;

test("every fixture says whether it is a real recording, Facet's own, or synthetic, and which probe it feeds", async () => {
  const { problems } = await scanCoverage();
  assert.deepEqual(problems, []);
});

test("every fixture is read by a test in its family's folder", () => {
  const unread: string[] = [];
  const tests = new Map<string, string>();
  for (const f of listFixtures()) {
    if (!tests.has(f.family)) {
      const dir = join(root, f.family);
      tests.set(f.family, readdirSync(dir).filter((n) => n.endsWith(".test.ts")).map((n) => readFileSync(join(dir, n), "utf8")).join("\n"));
    }
    if (!tests.get(f.family)!.includes(`"${f.name}"`)) unread.push(`${f.family}/fixtures/${f.name}`);
  }
  assert.deepEqual(unread, []);
});

test("the header parser reads kind, provenance and probe list", () => {
  assert.deepEqual(parseFixtureHeader("#! recording: real — a transcript\n#! probe: a, b\n#! os: x"), { kind: "real", note: "a transcript", probes: ["a", "b"] });
  assert.deepEqual(parseFixtureHeader("#! os: x"), { kind: null, note: "", probes: [] });
  assert.equal(parseFixtureHeader("#! recording: maybe — x").kind, null);
});
