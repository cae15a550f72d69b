/**
 * A PostgreSQL server of the test's own, for tests that must stop the database itself (a crash,
 * a restart) without touching the shared server on 5432: a fresh data directory under /tmp, a free
 * port on 127.0.0.1, its Unix socket inside the temporary directory. The Debian binaries refuse to
 * run as root, so they run as the `postgres` OS user; the directory is handed to that user.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unusedPort } from "../ports.ts";

export const POSTGRES_BIN = process.env.FACET_TEST_POSTGRES_BIN ?? "/usr/lib/postgresql/15/bin";
const SHARED_PORT = 5432;

export interface PrivatePostgres {
  port: number;
  /** postgres://…@127.0.0.1:<port>/postgres */
  url: string;
  dataDir: string;
  /** Starts (or restarts) the server on the same data directory and port; resolves once it accepts connections. */
  start(): void;
  /** Stops it the way a crash would: `pg_ctl stop -m immediate` (no checkpoint, recovery on next start). */
  crash(): void;
  /** The server's log, for failure messages. */
  log(): string;
  /** Stops the server if running and deletes everything. Safe to call more than once, and after a failed start. */
  destroy(): void;
}

/** Null when a private server can be started here; otherwise why not (for node:test's skip). */
export function privatePostgresSkipReason(): string | false {
  if (!existsSync(join(POSTGRES_BIN, "initdb"))) return `no PostgreSQL binaries at ${POSTGRES_BIN} (set FACET_TEST_POSTGRES_BIN)`;
  if (process.getuid?.() === 0 && spawnSync("id", ["-u", "postgres"]).status !== 0) return "running as root and there is no `postgres` OS user to run the server as";
  return false;
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = await unusedPort();
    if (port !== SHARED_PORT) return port;
  }
}

export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const root = mkdtempSync(join(tmpdir(), "facet-private-pg-"));
  const dataDir = join(root, "data");
  const socketDir = join(root, "socket");
  const logFile = join(root, "server.log");
  mkdirSync(socketDir);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    for (const path of [root, socketDir]) chownSync(path, uid, gid);
  }
  // As the postgres user when we are root; as ourselves otherwise.
  const run = (binary: string, args: string[], allowFailure = false): string => {
    const [command, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", join(POSTGRES_BIN, binary), ...args]] : [join(POSTGRES_BIN, binary), args];
    const r = spawnSync(command as string, argv as string[], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0 && !allowFailure) {
      throw new Error(`${binary} ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}\n${existsSync(logFile) ? readFileSync(logFile, "utf8") : ""}`);
    }
    return r.stdout;
  };
  let destroyed = false;
  const port = await freePort();
  const server: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    start() {
      // -k: the socket lives in our directory, never in /var/run/postgresql next to the shared one's.
      const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${socketDir} -c max_connections=60`;
      run("pg_ctl", ["-D", dataDir, "-l", logFile, "-o", options, "-w", "-t", "30", "start"]);
    },
    crash() {
      run("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "-t", "30", "stop"]);
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : ""),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      if (existsSync(join(dataDir, "postmaster.pid"))) {
        run("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "-t", "30", "stop"], true);
        // pg_ctl failed (or timed out): kill the postmaster named in its pid file directly.
        const pidFile = join(dataDir, "postmaster.pid");
        if (existsSync(pidFile)) {
          const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
          if (Number.isInteger(pid) && pid > 1) {
            try {
              process.kill(pid, "SIGKILL");
            } catch {
              // already gone
            }
          }
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    run("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    server.start();
  } catch (err) {
    server.destroy();
    throw err;
  }
  return server;
}
