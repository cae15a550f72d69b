/**
 * `npm run demo`: the whole path on this machine, with real processes.
 *
 * A connector on a SQLite file in a temp dir, an enrollment token made with the admin CLI, a local
 * agent enrolled with it, one real snapshot of this machine pushed over the WebSocket, and the
 * cached facts read back through the admin CLI. `--keep` leaves connector and agent running.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const root = new URL("..", import.meta.url).pathname;
const keep = process.argv.includes("--keep");
const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), "facet-demo-"));
const database = join(dir, "connector", "facet.db");
const agentState = join(dir, "agent");
const env = { ...process.env, FACET_DATABASE: database, FACET_LOG_LEVEL: process.env.FACET_LOG_LEVEL ?? "warn" };
const children: ChildProcess[] = [];

function step(text: string): void {
  console.log(`\n\x1b[1m▸ ${text}\x1b[0m`);
}

function tsx(file: string, args: string[]): string[] {
  return ["--import", "tsx", join(root, file), ...args];
}

/** Runs a CLI to completion, echoing the command; its stdout is returned. */
function run(label: string, file: string, args: string[]): string {
  console.log(`$ ${label} ${args.join(" ")}`);
  const result = spawnSync(process.execPath, tsx(file, args), { cwd: root, env, encoding: "utf8" });
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    throw new Error(`${label} ${args[0]} exited with ${result.status}`);
  }
  return result.stdout;
}

function background(file: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, tsx(file, args), { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
  children.push(child);
  return child;
}

async function until<T>(what: string, probe: () => T | null, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
}

async function main(): Promise<void> {
  step(`Connector on SQLite (${database})`);
  // The connector creates no database directory itself (a typo in --database must not make a new, empty installation).
  mkdirSync(dirname(database), { mode: 0o700 });
  background("connector/main.ts", ["serve", "--port", "0", "--database", database]);
  const urlFile = join(dir, "connector", "connector.url");
  const url = await until("the connector to listen", () => (existsSync(urlFile) ? readFileSync(urlFile, "utf8").trim() : null), 20_000);
  console.log(`listening on ${url}; admin token written 0600 to ${join(dir, "connector", "admin.token")}`);

  step("Enrollment token (admin CLI)");
  const token = JSON.parse(run("facet", "connector/cli/main.ts", ["tokens", "create", "--enroll", "--uses", "1", "--expires", "1h", "--label", "demo", "--json"])) as { token: string };

  step("Enroll this machine's agent");
  process.stdout.write(run("facet-agent", "agent/cli/main.ts", ["enroll", "--url", url, "--token", token.token, "--state-dir", agentState]));

  step("Agent run: collect real facts, sign, push over the WebSocket");
  // The demo's throwaway device certificate stays out of this machine's browsers.
  background("agent/cli/main.ts", ["run", "--state-dir", agentState, "--no-browser-certificate"]);
  const device = await until(
    "the first snapshot to be acknowledged",
    () => {
      const list = JSON.parse(run("facet", "connector/cli/main.ts", ["devices", "ls", "--json"])) as Array<{ id: string; last_seen: string | null }>;
      return list.find((d) => d.last_seen !== null) ?? null;
    },
    60_000,
  );

  step(`Facts cached by the connector for ${device.id} (admin CLI)`);
  process.stdout.write(run("facet", "connector/cli/main.ts", ["devices", "show", device.id]));

  step("Events");
  process.stdout.write(run("facet", "connector/cli/main.ts", ["events"]));

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (keep) {
    console.log(`\nDemo ready in ${seconds} s. Connector ${url} and agent keep running; Ctrl-C stops both.`);
    console.log(`Try: FACET_DATABASE=${database} npm run facet -- devices ls`);
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
  } else {
    console.log(`\nDemo done in ${seconds} s (state in ${dir}).`);
  }
}

main()
  .catch((err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  })
  .finally(stopAll);
