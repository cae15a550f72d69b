/**
 * The Node.js base cache under builds running at once, as the two packaging test files do on a
 * machine whose cache is still empty: each fetches the linux-x64 base from the npm registry into a
 * fresh cache directory. Before bases were fetched into a directory of their own, one build's
 * cleanup deleted the other's download mid-check (ENOENT on the tarball, CI 2026-12-02).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fetchNodeBase, sha512Integrity } from "../../scripts/package/node-base.ts";
import { NODE_VERSION, findTarget } from "../../scripts/package/targets.ts";
import { untilValue } from "../support/until.ts";

const hasTarball = (dir: string): boolean => readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith(".tgz"));

test("two builds fetching the same base into an empty cache both get the whole, verified base", { timeout: 10 * 60_000 }, async () => {
  const cache = mkdtempSync(path.join(os.tmpdir(), "facet-node-cache-"));
  try {
    const target = findTarget("linux-x64");
    // The second starts once the first has its tarball on disk, the moment the first's integrity check reads it.
    const first = fetchNodeBase(target, cache);
    await untilValue("the first build's tarball is on disk", () => (hasTarball(cache) ? true : undefined), 5 * 60_000);
    const [a, b] = await Promise.all([first, fetchNodeBase(target, cache)]);
    assert.deepEqual([a.binary, a.tarball], [b.binary, b.tarball]);
    assert.ok(existsSync(a.binary));
    assert.equal(await sha512Integrity(a.tarball), target.base.integrity);
    assert.deepEqual(readdirSync(path.join(cache, NODE_VERSION)), [target.id], "no partial download is left behind");
    assert.equal((await fetchNodeBase(target, cache)).fromCache, true);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
