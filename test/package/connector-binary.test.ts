/**
 * The packaged connector, for real: `npm run package`'s connector builder makes the linux-x64
 * binary (no archive; the Node base and the compiled SQLite addon are cached in
 * ~/.cache/facet-node, so only a first run on a machine compiles SQLite, for minutes), then it is
 * run here: `--version`, `serve` on a fresh SQLite file answering /healthz and /readyz, an enrolled
 * device's snapshot checked by a verify thread (an embedded eval worker) and committed by the
 * SQLite writer thread (the embedded addon loaded in a worker too), with ws unmasking the agent's
 * frames through the embedded bufferutil addon, the console's embedded assets, and the extracted
 * addons removed on exit.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CONNECTOR_ADDED_BYTES_BUDGET, buildConnectorPackage, type ConnectorBuildResult } from "../../scripts/package/connector/build.ts";
import { checkBinary } from "../../scripts/package/build.ts";
import { defaultCacheDir } from "../../scripts/package/node-base.ts";
import { NODE_VERSION, findTarget } from "../../scripts/package/targets.ts";
import { FACET_VERSION } from "../../connector/api/version.ts";
import { enrollTestDevice, ProtocolClient } from "../support/protocol-client.ts";
import { until } from "../support/until.ts";

const execFileAsync = promisify(execFile);
const root = path.resolve(new URL("../..", import.meta.url).pathname);
const linuxX64 = findTarget("linux-x64");
const env = { ...process.env, FACET_LOG_LEVEL: "warn", FACET_OS_CATALOG_REFRESH: "off", FACET_DATABASE: "", FACET_PORT: "" };

describe("the packaged facet-connector", { skip: process.platform !== "linux" || process.arch !== "x64" ? "the connector is packaged for the build host and this test runs the linux-x64 binary" : false, timeout: 40 * 60_000 }, () => {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "facet-package-connector-"));
  let built: ConnectorBuildResult;
  before(async () => {
    built = await buildConnectorPackage({ root, outDir, archives: false, log: () => {} });
  }, { timeout: 40 * 60_000 });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  test(`builds for linux-x64 on Node.js ${NODE_VERSION}: an ELF with the SEA fuse flipped, the connector bundle inside, within the size budget`, () => {
    assert.ok(built.ok && built.file, `not built: ${built.error}`);
    const base = readFileSync(path.join(defaultCacheDir(), NODE_VERSION, "linux-x64", "node")).length;
    assert.deepEqual(checkBinary(readFileSync(built.file), linuxX64, built.marker!, base, false, CONNECTOR_ADDED_BYTES_BUDGET), []);
  });

  test("`--version` prints the package's version", async () => {
    const { stdout } = await execFileAsync(built.file!, ["--version"], { env, timeout: 30_000 });
    assert.equal(stdout.trim(), FACET_VERSION);
  });

  describe("`serve --database <file>`", () => {
    let dir: string;
    let child: ChildProcess;
    let stderr = "";
    let url: string;
    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), "facet-connector-binary-"));
      child = spawn(built.file!, ["serve", "--database", path.join(dir, "x.db"), "--port", "0"], { env, stdio: ["ignore", "ignore", "pipe"] });
      child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      await until("the connector writes connector.url", () => existsSync(path.join(dir, "connector.url")), 30_000).catch((e: Error) => {
        throw new Error(`${e.message}; stderr:\n${stderr}`);
      });
      url = readFileSync(path.join(dir, "connector.url"), "utf8").trim();
    });
    after(async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("close", r));
      }
      rmSync(dir, { recursive: true, force: true });
    });

    test("answers /healthz and reports a writable SQLite store on /readyz", async () => {
      assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true });
      const ready = (await (await fetch(`${url}/readyz`)).json()) as { ready: boolean; store: { kind: string; writable: boolean } };
      assert.equal(ready.ready, true);
      assert.equal(ready.store.kind, "sqlite");
      assert.equal(ready.store.writable, true);
    });

    test("enrolls a device and acks its snapshot only once the writer thread committed it", async () => {
      const admin = readFileSync(path.join(dir, "admin.token"), "utf8").trim();
      const tokenRes = await fetch(`${url}/v1/tokens/enroll`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ label: "synthetic", max_uses: 1, expires_in: 600 }) });
      assert.equal(tokenRes.status, 201);
      const device = await enrollTestDevice(url, ((await tokenRes.json()) as { token: string }).token, { hostname: "synthetic-host" });
      const client = await ProtocolClient.connect(`${url.replace(/^http/, "ws")}/v1/agent`);
      try {
        assert.equal((await client.authenticate(device)).type, "welcome");
        assert.deepEqual(await client.sendSnapshot(device, { seq: 1 }), { type: "ack", seq: 1 });
        // A tampered body is refused by the same thread: the verdict really comes from the embedded verifier.
        assert.equal(await client.sendSnapshot(device, { seq: 2, tamper: (b) => b.replace('"seq":2', '"seq":3') }).then((a) => a.type === "error" && a.code), "bad_signature");
      } finally {
        client.ws.close();
      }
      // The frames were checked by the embedded verify thread, not on the main thread as a fall-back.
      const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
      assert.match(metrics, /^facet_verify_threads [1-9]/m);
      assert.doesNotMatch(stderr, /verify threads cannot start/);
      const res = await fetch(`${url}/v1/devices/${device.deviceId}`, { headers: { authorization: `Bearer ${admin}` } });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /synthetic-host/);
    });

    test("serves the console's stylesheet from inside the binary", async () => {
      const page = await (await fetch(`${url}/console/sign-in`)).text();
      const css = /\/console\/assets\/console\.[0-9a-f]+\.css/.exec(page)?.[0];
      assert.ok(css, "the sign-in page links no stylesheet");
      const res = await fetch(`${url}${css}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), readFileSync(path.join(root, "connector/console/assets/console.css"), "utf8"));
    });

    test("loads SQLite and bufferutil (ws's unmasking) from a private directory it removes on SIGTERM", async () => {
      const maps = readFileSync(`/proc/${child.pid}/maps`, "utf8");
      const addon = /\s(\/\S+\/better_sqlite3\.node)$/m.exec(maps)?.[1];
      assert.ok(addon, "no better_sqlite3.node mapped into the process");
      assert.ok(path.basename(path.dirname(addon)).startsWith("facet-connector-"));
      const bufferutil = path.join(path.dirname(addon), "bufferutil.node");
      assert.ok(maps.split("\n").some((line) => line.endsWith(` ${bufferutil}`)), `${bufferutil} is not mapped into the process`);
      child.kill("SIGTERM");
      await new Promise((r) => child.once("close", r));
      assert.equal(existsSync(path.dirname(addon)), false, `${path.dirname(addon)} is still there`);
    });
  });
});
