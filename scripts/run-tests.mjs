#!/usr/bin/env node
// Runs every *.test.ts in the tree with node's own test runner (through tsx). Node 20's --test
// has no glob support, so the files are found here. Extra arguments narrow the run to paths
// containing any of them: `npm test -- store policy`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const skip = new Set(["node_modules", ".git", "dist", ".facet-demo"]);

function find(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) find(path, out);
    else if (entry.name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find(root).sort().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  // A hung test fails after 10 minutes instead of holding CI until its own limit; the slowest
  // suites (real browsers, replicas under PostgreSQL restarts) take a few minutes on a loaded machine.
  ["--import", "tsx", "--test", "--test-concurrency=2", "--test-timeout=600000", "--test-reporter=spec", ...files],
  {
    cwd: root,
    stdio: "inherit",
    // Connectors the tests start as processes (`serve`) never reach for the public OS catalog feeds:
    // tests talk to loopback only, and feed updates have their own tests against a loopback server.
    env: { ...process.env, FACET_LOG_LEVEL: process.env.FACET_LOG_LEVEL ?? "silent", FACET_OS_CATALOG_REFRESH: process.env.FACET_OS_CATALOG_REFRESH ?? "off",
      // Agents the tests run never write into the developer's own browser certificate stores;
      // the browser tests install into stores of their own.
      FACET_NO_BROWSER_CERTIFICATE: process.env.FACET_NO_BROWSER_CERTIFICATE ?? "1" },
  },
);
process.exit(result.status ?? 1);
