/**
 * The packaged agent, for real: `npm run package`'s builder makes all five binaries (no archives,
 * to keep CI fast; the Node bases are cached in ~/.cache/facet-node across runs), then
 * the linux-x64 one is run on this machine: facts, unattended enrollment with a real connector
 * (SQLite file, 127.0.0.1:0), a snapshot accepted and stored, the token gone from the config file,
 * the refusal of a readable key, the install dry run. The other four are checked for what can be
 * checked here: format, CPU, SEA fuse, our bundle inside, signature state, size budget.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { FactsSchema, UnknownSchema } from "../../shared/facts/schema.ts";
import { ADDED_BYTES_BUDGET, buildPackages, checkBinary, type BuildResult } from "../../scripts/package/build.ts";
import { inspectExecutable } from "../../scripts/package/executable.ts";
import { defaultCacheDir } from "../../scripts/package/node-base.ts";
import { NODE_VERSION, TARGETS, findTarget } from "../../scripts/package/targets.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { untilValue } from "../support/until.ts";

const execFileAsync = promisify(execFile);
const root = path.resolve(new URL("../..", import.meta.url).pathname);
const outDir = mkdtempSync(path.join(os.tmpdir(), "facet-package-"));
let build: BuildResult;
const linuxBinary = () => path.join(outDir, findTarget("linux-x64").fileName);
const env = { ...process.env, FACET_LOG_LEVEL: "warn", FACET_CONFIG: "", FACET_URL: "", FACET_ENROLL_TOKEN: "" };

describe("the packaged facet-agent", { skip: process.platform !== "linux" || process.arch !== "x64" ? "runs the linux-x64 binary" : false, timeout: 15 * 60_000 }, () => {
  before(async () => {
    build = await buildPackages({ root, outDir, targets: TARGETS, archives: false, log: () => {} });
  }, { timeout: 15 * 60_000 });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  test("builds all five targets on Node.js " + NODE_VERSION, () => {
    const failed = build.results.filter((r) => !r.ok).map((r) => `${r.target}: ${r.error}`);
    assert.deepEqual(failed, []);
    assert.deepEqual(readFileSync(path.join(outDir, "SHA256SUMS"), "utf8").trim().split("\n").map((l) => l.split(/\s+/)[1]).sort(), TARGETS.map((t) => t.fileName).sort());
  });

  test("`facts --json` prints a facts document that validates against the shared schema", async () => {
    const { stdout } = await execFileAsync(linuxBinary(), ["facts", "--json"], { env, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 });
    const doc = JSON.parse(stdout) as { v: number; facts: unknown; unknown: unknown };
    assert.equal(doc.v, 1);
    const facts = FactsSchema.parse(doc.facts);
    UnknownSchema.parse(doc.unknown);
    assert.equal(facts.os?.family, "linux");
    assert.equal(facts.network?.hostname, os.hostname());
  });

  describe("against a connector", () => {
    let c: TestConnector;
    let dir: string;
    before(async () => {
      c = await startTestConnector();
      dir = mkdtempSync(path.join(os.tmpdir(), "facet-binary-"));
    });
    after(async () => {
      await c.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    test("enrolls from a deployment config on first start, pushes a snapshot the connector stores, and removes the token from the file", async () => {
      const stateDir = path.join(dir, "state");
      const config = path.join(dir, "agent.json");
      writeFileSync(config, JSON.stringify({ url: c.connector.url, enrollToken: c.enrollToken }), { mode: 0o644 });
      const child = spawn(linuxBinary(), ["run", "--state-dir", stateDir], { env: { ...env, FACET_CONFIG: config }, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      try {
        const snapshot = await untilValue(() => `a stored snapshot; agent stderr:\n${stderr}`, async () => {
          const state = readJson(path.join(stateDir, "state.json")) as { deviceId?: string } | undefined;
          return state?.deviceId ? c.connector.store.latestSnapshot(state.deviceId) : null;
        }, 60_000);
        assert.equal(snapshot.facts.os?.family, "linux");
        assert.equal(snapshot.facts.network?.hostname, os.hostname());
        assert.ok(snapshot.seq >= 1);
        const left = readFileSync(config, "utf8");
        assert.ok(!left.includes(c.enrollToken), "the enrollment token is still in the config file");
        assert.deepEqual(JSON.parse(left), { url: c.connector.url });
        assert.equal(statSync(config).mode & 0o777, 0o600);
        assert.equal(statSync(path.join(stateDir, "device.key")).mode & 0o777, 0o600);
      } finally {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("close", r));
      }
    });

    test("refuses to start the service with a group-readable key file and says why", async () => {
      const stateDir = path.join(dir, "state");
      chmodSync(path.join(stateDir, "device.key"), 0o640);
      try {
        const err = await execFileAsync(linuxBinary(), ["run", "--state-dir", stateDir], { env, timeout: 30_000 }).then(() => undefined, (e: { code: number; stderr: string }) => e);
        assert.ok(err, "the agent started with a readable key");
        assert.notEqual(err.code, 0);
        assert.match(err.stderr, /mode 0640/);
        assert.match(err.stderr, /chmod 600/);
      } finally {
        chmodSync(path.join(stateDir, "device.key"), 0o600);
      }
    });
  });

  test("`install --dry-run` prints the systemd unit and commands for this binary and changes nothing", async () => {
    const { stdout } = await execFileAsync(linuxBinary(), ["install", "--dry-run", "--url", "https://facet.example:8443", "--token", "fct_enroll_dry_run_token"], { env, timeout: 30_000 });
    assert.match(stdout, new RegExp(`^install -m 0755 ${linuxBinary().replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} /usr/local/bin/facet-agent$`, "m"));
    assert.match(stdout, /^enroll with https:\/\/facet\.example:8443 into \/var\/lib\/facet-agent/m);
    assert.match(stdout, /^ {4}ExecStart=\/usr\/local\/bin\/facet-agent run --state-dir \/var\/lib\/facet-agent$/m);
    assert.match(stdout, /^run systemctl enable --now facet-agent\.service$/m);
    assert.ok(!stdout.includes("fct_enroll_dry_run_token"), "the dry run printed the token");
  });

  for (const t of TARGETS) {
    test(`${t.id}: ${t.format.toUpperCase()} for ${t.arch}, SEA fuse flipped, the agent bundle inside, within the size budget`, () => {
      const result = build.results.find((r) => r.target === t.id);
      assert.ok(result?.ok && result.file, `${t.id} was not built: ${result?.error}`);
      const buf = readFileSync(result.file);
      const info = inspectExecutable(buf);
      assert.equal(info.format, t.format);
      assert.equal(info.arch, t.arch);
      assert.equal(info.seaFuseFlipped, true);
      if (t.format === "macho") {
        assert.equal(info.machoSeaSegment, true);
        // No signer on a Debian host: the Node.js project's signature must be gone, not left broken.
        assert.equal(info.machoSigned, result.signedWith !== null);
      }
      const base = statSync(path.join(defaultCacheDir(), NODE_VERSION, t.id, path.basename(t.base.binaryInPackage))).size;
      assert.deepEqual(checkBinary(buf, t, build.bundle.marker, base, result.signedWith !== null), []);
      assert.ok(buf.length - base <= ADDED_BYTES_BUDGET);
    });
  }

  test("a stock Node.js binary is told apart from a packaged one", () => {
    const base = readFileSync(path.join(defaultCacheDir(), NODE_VERSION, "win-x64", "node.exe"));
    const info = inspectExecutable(base);
    assert.equal(info.format, "pe");
    assert.equal(info.seaFuseFlipped, false);
    assert.ok(checkBinary(base, findTarget("win-x64"), build.bundle.marker, base.length, false).some((p) => /fuse not flipped/.test(p)));
    assert.ok(checkBinary(base, findTarget("linux-arm64"), build.bundle.marker, base.length, false).some((p) => /format pe, expected elf/.test(p)));
  });
});

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

