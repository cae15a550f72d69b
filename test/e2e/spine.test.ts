/**
 * The spine end to end, as shipped: `facet-connector serve`, `facet` and `facet-agent` as real
 * child processes on a real SQLite file and real sockets on 127.0.0.1, with the agent's real
 * collectors. Enroll → run → facts served through REST and the CLI → refresh-and-wait → the
 * connector killed (SIGKILL) and restarted on the same port and database → the agent reconnects
 * by itself. Then, through a WebSocket proxy that cuts connections at chosen frames: a snapshot
 * lost before it reached the connector is resent with the same seq and accepted; a snapshot whose
 * ack was lost is stored exactly once and the agent moves on to the next seq.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import WebSocket, { WebSocketServer, type RawData } from "ws";
import { FactsSchema, UnknownSchema } from "../../shared/facts/schema.ts";
import { AuthentikFactsSchema } from "../../shared/facts/authentik.ts";
import { until } from "../support/until.ts";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;
const CONNECTOR = "connector/main.ts";
const ADMIN_CLI = "connector/cli/main.ts";
const AGENT = "agent/cli/main.ts";

let dir: string;
let env: NodeJS.ProcessEnv;
const children = new Set<ChildProcess>();

interface Child {
  process: ChildProcess;
  /** Every JSON log line so far (pino on stdout for the connector, stderr for the agent). */
  lines: Record<string, unknown>[];
  waitForLog(pred: (line: Record<string, unknown>) => boolean, what: string, ms?: number): Promise<Record<string, unknown>>;
}

/** Starts a TypeScript entry point the way the bin scripts do, minus npx: node --import tsx. */
function start(file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Child {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  const onData = (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split("\n");
    partial = complete.pop()!;
    for (const raw of complete) {
      try {
        lines.push(JSON.parse(raw) as Record<string, unknown>);
      } catch {
        lines.push({ msg: raw });
      }
    }
    for (const w of waiters) w();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  return {
    process: child,
    lines,
    waitForLog(pred, what, ms = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(pred);
          if (!hit) return;
          cleanup();
          resolve(hit);
        };
        const onExit = () => {
          cleanup();
          reject(new Error(`${file} exited (${child.exitCode}) before ${what}:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${what}:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off("exit", onExit);
        };
        waiters.add(check);
        child.once("exit", onExit);
        check();
      });
    },
  };
}

/** Runs a CLI to completion; returns stdout and fails the test with stderr otherwise. */
async function cli(file: string, ...args: string[]): Promise<string> {
  try {
    return (await run(process.execPath, ["--import", "tsx", file, ...args], { cwd: root, env, timeout: 60_000 })).stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(" ")} failed: ${e.message}\n${e.stderr ?? ""}`, { cause: error });
  }
}

function startConnector(port: number): Child {
  return start(CONNECTOR, ["serve", "--port", String(port), "--host", "127.0.0.1", "--log-level", "info"]);
}

const listening = (c: Child) => c.waitForLog((l) => l.msg === "connector listening", "connector listening");
/** Reconnect windows of 100 ms, capped at 400 ms: the test waits for seconds, not minutes. */
const FAST_RECONNECT = { FACET_RECONNECT_BASE_MS: "100", FACET_RECONNECT_CAP_MS: "400" };

let connector: Child;
let url: string;
let adminToken: string;
let deviceId: string;
let agent: Child;
let proxy: CuttingProxy;
let proxiedId: string;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${adminToken}` } });
}

async function acceptedSeqs(device: string): Promise<number[]> {
  const res = await api(`/v1/events?type=snapshot.accepted&device=${device}&limit=1000`);
  assert.equal(res.status, 200);
  const { events } = (await res.json()) as { events: { data: { seq: number } }[] };
  return events.map((e) => e.data.seq);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "facet-e2e-"));
  // The connector creates no database directory of its own (a mistyped --database must not start an empty installation).
  mkdirSync(join(dir, "db"), { mode: 0o700 });
  // Only what the processes need: no FACET_* from the developer's shell leaks in.
  env = { PATH: process.env.PATH, HOME: dir, FACET_DATABASE: join(dir, "db", "facet.db"), FACET_OS_CATALOG_REFRESH: "off", FACET_NO_BROWSER_CERTIFICATE: "1" };
  connector = startConnector(0);
  await listening(connector);
  url = readFileSync(join(dir, "db", "connector.url"), "utf8").trim();
  adminToken = readFileSync(join(dir, "db", "admin.token"), "utf8").trim();
  proxy = await CuttingProxy.start(url);
});

after(async () => {
  await proxy?.close();
  for (const child of children) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("the spine with real processes", { timeout: 420_000 }, () => {
  let enrollToken: string;

  test("an admin creates an enrollment token and an agent enrolls with it", async () => {
    const created = JSON.parse(await cli(ADMIN_CLI, "tokens", "create", "--enroll", "--uses", "3", "--expires", "1h", "--json")) as { token: string };
    enrollToken = created.token;
    // The second agent enrolls (and later runs) through the cutting proxy.
    const [direct, viaProxy] = await Promise.all([
      cli(AGENT, "enroll", "--url", url, "--token", enrollToken, "--state-dir", join(dir, "agent"), "--username", "ada", "--json"),
      cli(AGENT, "enroll", "--url", proxy.url, "--token", enrollToken, "--state-dir", join(dir, "agent-2"), "--json"),
    ]);
    deviceId = (JSON.parse(direct) as { deviceId: string }).deviceId;
    proxiedId = (JSON.parse(viaProxy) as { deviceId: string }).deviceId;
    assert.match(deviceId, /^[0-9a-f-]{36}$/);
    assert.notEqual(proxiedId, deviceId);
  });

  test("the running agent's real facts are served through REST as an endpoint stage reads them", async () => {
    agent = start(AGENT, ["run", "--state-dir", join(dir, "agent"), "--log-level", "info"], FAST_RECONNECT);
    await agent.waitForLog((l) => l.msg === "snapshot acknowledged", "the first ack");
    const res = await api(`/v1/devices/${deviceId}`);
    assert.equal(res.status, 200);
    const view = (await res.json()) as Record<string, unknown> & { cached_facts: Record<string, unknown> };
    assert.deepEqual(Object.keys(view).sort(), ["cached_facts", "connected", "id", "identifier", "last_seen", "manufacturer", "model", "name", "platform"]);
    assert.deepEqual(Object.keys(view.cached_facts).sort(), ["created", "data", "expires", "unknown"]);
    assert.equal(view.id, deviceId);
    assert.equal(view.connected, true);
    assert.equal(view.platform, "linux");
    // What an endpoint stage stores: authentik's serializer rules accept it.
    const served = AuthentikFactsSchema.parse(view.cached_facts.data);
    assert.equal(served.os?.family, "linux");
    const full = (await (await api(`/v1/devices/${deviceId}?view=facet`)).json()) as { cached_facts: Record<string, unknown> };
    const data = FactsSchema.parse(full.cached_facts.data);
    const unknown = UnknownSchema.parse(full.cached_facts.unknown);
    assert.equal(data.os?.family, "linux");
    assert.ok(data.network?.hostname, "this machine's hostname was collected");
    assert.equal(view.name, data.network.hostname);
    assert.equal(served.network?.hostname, data.network.hostname);
    // Unknown is explicit: a family that is null has a reason, never a silent gap.
    for (const [family, value] of Object.entries(data)) {
      if (value === null) assert.ok(unknown[family], `${family} is null with a reason`);
    }
    const created = Date.parse(view.cached_facts.created as string);
    assert.ok(Math.abs(created - Date.now()) < 60_000);
    assert.equal(Date.parse(view.cached_facts.expires as string) - created, 24 * 3600 * 1000);
    assert.ok(Date.parse(view.last_seen as string) >= created);
  });

  test("the admin CLI shows the device as a tree and its facts as JSON", async () => {
    // The CLI shows Facet's own view (explicit nulls), not the authentik view REST serves by default.
    const rest = (await (await api(`/v1/devices/${deviceId}?view=facet`)).json()) as { cached_facts: { data: unknown; unknown: unknown } };
    const [show, factsJson] = await Promise.all([cli(ADMIN_CLI, "devices", "show", deviceId), cli(ADMIN_CLI, "facts", deviceId, "--json")]);
    assert.ok(show.includes(deviceId));
    assert.match(show, /hostname:\s+\S+/);
    const facts = JSON.parse(factsJson) as { data: unknown; unknown: unknown };
    assert.deepEqual(facts.data, rest.cached_facts.data);
    assert.deepEqual(facts.unknown, rest.cached_facts.unknown);
  });

  test("refresh-and-wait through REST returns facts collected for that request, under a newer seq", async () => {
    const before = await acceptedSeqs(deviceId);
    const old = (await (await api(`/v1/devices/${deviceId}`)).json()) as { cached_facts: { created: string } };
    const res = await api(`/v1/devices/${deviceId}/refresh?wait=20`, { method: "POST" });
    assert.equal(res.status, 200, await res.clone().text());
    const view = (await res.json()) as { cached_facts: { created: string } };
    assert.ok(Date.parse(view.cached_facts.created) > Date.parse(old.cached_facts.created));
    const after = await acceptedSeqs(deviceId);
    assert.equal(after.length, before.length + 1);
    assert.ok(after.at(-1)! > Math.max(...before), `seq ${after.at(-1)} is newer than ${Math.max(...before)}`);
  });

  test("after the connector is killed and restarted on its port and database, the agent reconnects by itself", async () => {
    const port = Number(new URL(url).port);
    const before = await acceptedSeqs(deviceId);
    connector.process.kill("SIGKILL");
    await new Promise((r) => connector.process.once("exit", r));
    await agent.waitForLog((l) => l.msg === "disconnected; reconnecting", "the agent noticing");
    connector = startConnector(port);
    await listening(connector);
    const last = Math.max(...before);
    await agent.waitForLog((l) => l.msg === "snapshot acknowledged" && (l.seq as number) > last, "an ack from the restarted connector");
    const after = await acceptedSeqs(deviceId);
    assert.deepEqual(after.slice(0, before.length), before, "nothing accepted before the kill was lost");
    assert.equal(after.at(-1), last + 1);
    const view = (await (await api(`/v1/devices/${deviceId}`)).json()) as { connected: boolean };
    assert.equal(view.connected, true);
    agent.process.kill("SIGTERM");
    assert.equal(await new Promise((r) => agent.process.once("exit", (code) => r(code))), 0);
  });

  describe("through a proxy that cuts the connection at a chosen frame", () => {
    let proxied: Child;

    test("a snapshot lost before the connector received it is resent with the same seq and accepted", async () => {
      proxy.plan = { cut: "agent-snapshot" };
      proxied = start(AGENT, ["run", "--state-dir", join(dir, "agent-2"), "--log-level", "info"], FAST_RECONNECT);
      await proxied.waitForLog((l) => l.msg === "snapshot acknowledged", "the ack after the resend");
      const [lost, resent, ...rest] = proxy.snapshots;
      assert.equal(rest.length, 0);
      assert.deepEqual([lost!.connection, lost!.forwarded, resent!.connection, resent!.forwarded], [1, false, 2, true]);
      assert.equal(resent!.seq, lost!.seq, "the same seq");
      assert.equal(resent!.collectedAt, lost!.collectedAt, "the same snapshot, not fresh facts");
      assert.notEqual(resent!.nonce, lost!.nonce, "re-signed for the new session");
      assert.ok(proxied.lines.some((l) => l.msg === "resending the unacknowledged snapshot" && l.seq === lost!.seq));
      assert.deepEqual(await acceptedSeqs(proxiedId), [lost!.seq]);
      const view = (await (await api(`/v1/devices/${proxiedId}`)).json()) as { cached_facts: { created: string } };
      assert.equal(view.cached_facts.created, lost!.collectedAt);
    });

    test("a snapshot whose ack was lost is stored once, and the agent continues with the next seq", async () => {
      proxy.plan = { cut: "connector-ack" };
      const seen = proxy.snapshots.length;
      const acks = proxied.lines.filter((l) => l.msg === "snapshot acknowledged").length;
      // The refresh is answered once the connector stores the snapshot, though its ack never arrives.
      const res = await api(`/v1/devices/${proxiedId}/refresh?wait=20`, { method: "POST" });
      assert.equal(res.status, 200, await res.clone().text());
      await until("the next ack", () => proxied.lines.filter((l) => l.msg === "snapshot acknowledged").length > acks, 60_000);
      const [stored, next, ...rest] = proxy.snapshots.slice(seen);
      assert.equal(rest.length, 0);
      assert.equal(stored!.forwarded, true);
      assert.equal(next!.seq, stored!.seq + 1, "the welcome's lastSeq told the agent the lost-ack snapshot was stored");
      assert.deepEqual(await acceptedSeqs(proxiedId), [stored!.seq - 1, stored!.seq, next!.seq]);
      const rejected = await (await api(`/v1/events?type=snapshot.rejected&device=${proxiedId}`)).json();
      assert.deepEqual(rejected, { events: [], next_cursor: null }, "no replayed seq was ever sent");
      proxied.process.kill("SIGTERM");
      await new Promise((r) => proxied.process.once("exit", r));
    });
  });
});

interface SeenSnapshot {
  connection: number;
  seq: number;
  collectedAt: string;
  nonce: string;
  forwarded: boolean;
}

/**
 * HTTP and WebSocket proxy in front of the connector. Plain requests (enrollment) are piped
 * through; each agent WebSocket is relayed frame by frame, and `plan` cuts the first connection
 * that carries the chosen frame, dropping that frame: the agent's snapshot before the connector
 * sees it, or the connector's ack before the agent sees it. After one cut it relays faithfully.
 */
class CuttingProxy {
  plan: { cut: "agent-snapshot" | "connector-ack" } | null = null;
  readonly snapshots: SeenSnapshot[] = [];
  private connections = 0;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<CuttingProxy> {
    const upstream = new URL(target);
    const server = createServer((req, res) => {
      const out = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on("error", () => res.destroy());
      req.pipe(out);
    });
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const proxy = new CuttingProxy(server, wss, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on("upgrade", (req, socket, head) => {
      wss.handleUpgrade(req, socket, head, (agentSide) => proxy.relay(agentSide, `ws://${upstream.host}${req.url ?? "/"}`));
    });
    return proxy;
  }

  private relay(agentSide: WebSocket, upstreamUrl: string): void {
    const connection = ++this.connections;
    const connectorSide = new WebSocket(upstreamUrl);
    const toConnector: RawData[] = [];
    const cut = () => {
      this.plan = null;
      agentSide.terminate();
      connectorSide.terminate();
    };
    connectorSide.on("open", () => toConnector.splice(0).forEach((m) => connectorSide.send(m.toString())));
    connectorSide.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type: string };
      if (frame.type === "ack" && this.plan?.cut === "connector-ack") return cut();
      agentSide.send(data.toString());
    });
    agentSide.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; body?: string };
      if (frame.type === "snapshot") {
        const body = JSON.parse(frame.body!) as { seq: number; collectedAt: string; nonce: string };
        const drop = this.plan?.cut === "agent-snapshot";
        this.snapshots.push({ connection, seq: body.seq, collectedAt: body.collectedAt, nonce: body.nonce, forwarded: !drop });
        if (drop) return cut();
      }
      if (connectorSide.readyState === WebSocket.OPEN) connectorSide.send(data.toString());
      else toConnector.push(data);
    });
    agentSide.on("close", () => connectorSide.close());
    // 1005/1006 are observed, never sent: pass on what may be sent, else a plain close.
    connectorSide.on("close", (code, reason) => agentSide.readyState === WebSocket.OPEN && (code >= 3000 || code === 1000 || code === 1001 ? agentSide.close(code, reason) : agentSide.close()));
    agentSide.on("error", () => connectorSide.terminate());
    connectorSide.on("error", () => agentSide.terminate());
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}
