/**
 * The admin's commands as an admin runs them: `facet-connector serve` and `facet` found through
 * PATH as built JavaScript, in real processes, with a closed pipe, an unreachable connector, a
 * private CA, usage errors, NO_COLOR on a real pseudo-terminal, paging of events, saved contexts,
 * and device facts that try to take over the terminal.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { ProtocolClient, enrollTestDevice } from "../support/protocol-client.ts";
import { uniqueFacts } from "../support/facts.ts";
import { buildCommandsForTest, runByName, type Commands } from "../support/commands.ts";
import { unusedPort } from "../support/ports.ts";

const tls = new URL("../../agent/transport/fixtures/tls/", import.meta.url).pathname;

let commands: Commands;
let dir: string;
let env: NodeJS.ProcessEnv;
const servers: ChildProcess[] = [];

/** `facet-connector serve` through PATH; resolves with its URL once it listens. */
async function serve(stateDir: string, extra: string[] = []): Promise<{ url: string; token: string }> {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const child = spawn("facet-connector", ["serve", "--port", "0", "--database", join(stateDir, "facet.db"), ...extra], { env, stdio: ["ignore", "ignore", "pipe"] });
  servers.push(child);
  let logs = "";
  child.stderr!.on("data", (c: Buffer) => (logs += c.toString()));
  const urlFile = join(stateDir, "connector.url");
  for (let i = 0; i < 600 && !existsSync(urlFile) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok(existsSync(urlFile), `the connector did not start: ${logs}`);
  return { url: readFileSync(urlFile, "utf8").trim(), token: readFileSync(join(stateDir, "admin.token"), "utf8").trim() };
}

const facet = (args: string[], extraEnv: NodeJS.ProcessEnv = {}, input?: string) => runByName("facet", args, { env: { ...env, ...extraEnv }, ...(input !== undefined ? { input } : {}) });

let local: { url: string; token: string };

before(async () => {
  commands = await buildCommandsForTest();
  dir = mkdtempSync(join(tmpdir(), "facet-cli-"));
  // Only what the processes need: nothing from the developer's shell (FACET_URL, NO_COLOR…).
  env = { PATH: commands.path, HOME: dir, XDG_CONFIG_HOME: join(dir, "config"), FACET_DATABASE: join(dir, "local", "facet.db"), FACET_LOG_LEVEL: "warn" };
  local = await serve(join(dir, "local"));
});

after(() => {
  for (const s of servers) if (s.exitCode === null) s.kill("SIGKILL");
  commands?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("commands on PATH", () => {
  test("each answers --version with the package's version", async () => {
    for (const name of ["facet", "facet-connector", "facet-agent"]) {
      const r = await runByName(name, ["--version"], { env });
      assert.deepEqual([r.code, r.stdout.trim(), r.stderr], [0, pkg.version, ""], name);
    }
  });
});

describe("usage errors", () => {
  test("an unknown option is one line and a hint, exit 2, no help dump", async () => {
    const r = await facet(["devices", "ls", "--bogus"]);
    assert.equal(r.code, 2);
    assert.deepEqual(r.stderr.trim().split("\n"), ["error: unknown option '--bogus'", "hint: facet devices ls --help"]);
    assert.equal(r.stdout, "");
  });

  test("a missing command, a bad value and a misplaced option exit 2 the same way", async () => {
    for (const args of [["devices"], ["tokens", "create", "--enroll", "--uses", "zero"], ["tokens", "create", "--enroll", "--scope", "admin"], ["events", "--since", "yesterday"]]) {
      const r = await facet(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 2, r.stderr);
      assert.match(lines[0]!, /^error: /);
      assert.match(lines[1]!, /^hint: facet .*--help$/);
    }
  });

  test("an error from the connector exits 1 with its code", async () => {
    const r = await facet(["devices", "show", "no-such-device"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: not_found: /);
  });
});

describe("network errors name the URL and the cause", () => {
  test("nothing listening: connection refused", async () => {
    const port = await unusedPort();
    const r = await facet(["--url", `http://127.0.0.1:${port}`, "--token", local.token, "devices", "ls"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `error: cannot reach the connector at http://127.0.0.1:${port}/v1/devices: connection refused (nothing listens on 127.0.0.1:${port}; is the connector running?)`);
  });

  test("a host name that does not resolve: DNS", async () => {
    // .invalid never resolves (RFC 6761); the lookup fails locally or at the resolver.
    const r = await facet(["--url", "http://facet.invalid:8787", "--token", local.token, "devices", "ls"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cannot reach the connector at http:\/\/facet\.invalid:8787\/v1\/devices: DNS: /);
  });

  test("TLS with a private CA: refused as an unknown CA without --ca, trusted with it", async () => {
    const tlsDir = join(dir, "tls");
    const server = await serve(tlsDir, ["--tls-cert", join(tls, "server.pem"), "--tls-key", join(tls, "server.key")]);
    assert.match(server.url, /^https:/);
    const without = await facet(["--url", server.url, "--token", server.token, "tokens", "ls"]);
    assert.equal(without.code, 1);
    assert.match(without.stderr, new RegExp(`^error: cannot reach the connector at ${server.url}/v1/tokens/\\w+: TLS: the certificate is signed by an unknown CA \\(\\w+\\); pass --ca <file>`));
    const withCa = await facet(["--url", server.url, "--token", server.token, "--ca", join(tls, "ca.pem"), "tokens", "ls"]);
    assert.equal(withCa.code, 0, withCa.stderr);
    assert.match(withCa.stdout, /bootstrap admin/);
    const viaEnv = await facet(["--url", server.url, "--token", server.token, "tokens", "ls"], { FACET_CA: join(tls, "ca.pem") });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
  });
});

describe("output", () => {
  let deviceId: string;
  before(async () => {
    const created = JSON.parse((await facet(["tokens", "create", "--enroll", "--json"])).stdout) as { token: string };
    const device = await enrollTestDevice(local.url, created.token, { hostname: "escape-host" });
    const client = await ProtocolClient.connect(`${local.url.replace(/^http/, "ws")}/v1/agent`);
    await client.authenticate(device);
    const base = uniqueFacts();
    // What a hostile device reports: erase line + cursor up, and an OSC window title.
    const facts = { ...base, network: { ...base.network!, hostname: "\u001b[2K\u001b[1Aevil-host" }, hardware: { ...base.hardware!, serial: "\u001b]0;pwned\u0007SN" } };
    assert.equal((await client.sendSnapshot(device, { seq: 1, facts })).type, "ack");
    client.close();
    deviceId = device.deviceId;
  });

  test("control characters from device facts reach no terminal: ls, show and facts escape them", async () => {
    for (const args of [["devices", "ls"], ["devices", "show", deviceId], ["facts", deviceId]]) {
      const r = await facet(args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(r.stdout), false, `${args.join(" ")} wrote a raw control character:\n${JSON.stringify(r.stdout)}`);
      assert.ok(r.stdout.includes("\\x1b]0;pwned\\x07SN"), `${args.join(" ")}: the serial is shown, escaped`);
    }
    assert.ok((await facet(["facts", deviceId])).stdout.includes("\\x1b[2K\\x1b[1Aevil-host"));
    // --json is for programs: JSON's own escaping, and the value intact after parsing.
    const json = JSON.parse((await facet(["facts", deviceId, "--json"])).stdout) as { data: { hardware: { serial: string } } };
    assert.equal(json.data.hardware.serial, "\u001b]0;pwned\u0007SN");
  });

  test("devices ls lists summaries, not facts documents", async () => {
    const list = JSON.parse((await facet(["devices", "ls", "--json"])).stdout) as Record<string, unknown>[];
    const mine = list.find((d) => d.id === deviceId)!;
    assert.equal(mine.cached_facts, undefined);
    assert.equal(mine.identifier, "\u001b]0;pwned\u0007SN");
  });

  test("colour on a terminal only, and never with NO_COLOR", async () => {
    // script(1) gives the command a real pseudo-terminal.
    const onTty = (extra: NodeJS.ProcessEnv) => runByName("script", ["-qec", "facet tokens ls", "/dev/null"], { env: { ...env, TERM: "xterm", ...extra } });
    const coloured = await onTty({});
    assert.equal(coloured.code, 0, coloured.stderr);
    assert.match(coloured.stdout, /\u001b\[1mID/, "bold headers on a terminal");
    const plain = await onTty({ NO_COLOR: "1" });
    assert.equal(plain.code, 0);
    assert.match(plain.stdout, /enrollment tokens/);
    assert.equal(plain.stdout.includes("\u001b["), false, "NO_COLOR: no escape sequence at all");
    const piped = await facet(["tokens", "ls"]);
    assert.equal(piped.stdout.includes("\u001b["), false, "not a terminal: no colour");
  });

  test("a reader closing the pipe early ends the command quietly (exit 0, no EPIPE trace)", async () => {
    // Enough output to outgrow the pipe's buffer: 300 events as JSON.
    for (let i = 0; i < 300; i++) await fetch(`${local.url}/v1/tokens/api`, { method: "POST", headers: { authorization: `Bearer ${local.token}`, "content-type": "application/json" }, body: JSON.stringify({ name: `pipe-${i}`, scopes: ["devices:read"] }) });
    const child = spawn("facet", ["events", "--json", "--limit", "1000"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // `| head -c 1`: read one chunk, then close the read end.
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    assert.equal(code, 0, stderr);
    assert.equal(stderr, "");
  });
});

describe("events", () => {
  test("newest first, a page at a time, with a more… hint until the oldest", async () => {
    const device = JSON.parse((await facet(["tokens", "create", "--enroll", "--json", "--label", "paging"])).stdout) as { id: string };
    const all = JSON.parse((await facet(["events", "--json", "--limit", "1000"])).stdout) as { id: number }[];
    assert.ok(all.length > 12, "enough events to page");
    assert.deepEqual(all.map((e) => e.id), [...all.map((e) => e.id)].sort((a, b) => b - a), "newest first");
    const first = await facet(["events", "--limit", "5", "--type", "token.*"]);
    assert.equal(first.code, 0);
    const rows = first.stdout.trim().split("\n").slice(1);
    assert.equal(rows.length, 5);
    assert.match(rows[0]!, new RegExp(`token\\.created .*id=${device.id}`), "the newest event comes first");
    const more = /more… older events: repeat with --cursor (\d+)/.exec(first.stderr);
    assert.ok(more, first.stderr);
    const second = await facet(["events", "--limit", "5", "--type", "token.*", "--cursor", more[1]!]);
    const firstIds = rows.map((r) => Number(r.split(/\s+/)[0]));
    const secondIds = second.stdout.trim().split("\n").slice(1).map((r) => Number(r.split(/\s+/)[0]));
    assert.ok(Math.max(...secondIds) < Math.min(...firstIds), "the next page is older");
    const last = await facet(["events", "--limit", "1000", "--type", "token.*"]);
    assert.equal(last.stderr, "", "no hint once everything is shown");
  });
});

describe("tokens", () => {
  test("an enrollment token without --uses/--expires gets the documented defaults (100 uses, 7 days)", async () => {
    const t = JSON.parse((await facet(["tokens", "create", "--json"])).stdout) as { max_uses: number; expires_at: string };
    assert.equal(t.max_uses, 100);
    assert.ok(Math.abs(Date.parse(t.expires_at) - (Date.now() + 7 * 86400_000)) < 600_000);
    const open = JSON.parse((await facet(["tokens", "create", "--uses", "unlimited", "--expires", "never", "--json"])).stdout) as { max_uses: null; expires_at: null };
    assert.deepEqual([open.max_uses, open.expires_at], [null, null]);
  });

  test("the connector's lost-admin-token hint works as printed", async () => {
    const r = await facet(["tokens", "create", "--api", "--scope", "admin"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^API token tok_[\w-]+ "admin \(\d{4}-\d\d-\d\d\)" \(admin\)\nfct_/);
  });
});

describe("contexts", () => {
  test("login checks the token, saves URL and token 0600 and makes the context current", async () => {
    const tokenFile = join(dir, "token.txt");
    writeFileSync(tokenFile, `${local.token}\n`);
    // Away from the connector's host: no local admin.token to fall back on.
    const away = { FACET_DATABASE: join(dir, "elsewhere", "facet.db") };
    const bad = await facet(["login", local.url, "--name", "bad"], away, "fct_" + "x".repeat(43));
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /unauthorized/);
    assert.equal(existsSync(join(dir, "config", "facet", "config.json")), false, "nothing saved for a bad token");

    const ok = await facet(["login", local.url, "--name", "lab"], away, readFileSync(tokenFile, "utf8"));
    assert.equal(ok.code, 0, ok.stderr);
    const config = join(dir, "config", "facet", "config.json");
    assert.equal(statSync(config).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, "config", "facet")).mode & 0o777, 0o700);
    assert.equal(ok.stdout.includes(local.token), false, "the token is never echoed");

    const ls = await facet(["devices", "ls", "--json"], away);
    assert.equal(ls.code, 0, ls.stderr);
    const ctx = await facet(["contexts", "ls"], away);
    assert.match(ctx.stdout, /\*\s+lab\s+http:\/\/127\.0\.0\.1:\d+/);
    assert.equal(ctx.stdout.includes(local.token), false);

    // A context's token never goes to another URL.
    const port = await unusedPort();
    const elsewhere = await facet(["--url", `http://127.0.0.1:${port}`, "devices", "ls"], away);
    assert.equal(elsewhere.code, 2);
    assert.match(elsewhere.stderr, /no API token for http:\/\/127\.0\.0\.1:\d+/);

    assert.equal((await facet(["contexts", "rm", "lab"], away)).code, 0);
    assert.equal((await facet(["devices", "ls"], away)).code, 2, "no context, no token: a usage error");
  });
});

describe("shell completion", () => {
  test("bash completes commands and options from the program itself", async () => {
    const complete = (words: string) =>
      runByName("bash", ["-c", `source <(facet completion bash); COMP_WORDS=(${words}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _facet_complete; echo "\${COMPREPLY[*]}"`], { env });
    assert.equal((await complete("facet dev")).stdout.trim(), "devices");
    assert.equal((await complete("facet devices l")).stdout.trim(), "ls");
    assert.equal((await complete("facet devices ls --pl")).stdout.trim(), "--platform");
  });
});
