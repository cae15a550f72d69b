/**
 * `facet-connector serve` once its flags are parsed (main.ts): checks, the database lock, the
 * connector itself, the admin token and URL files, and a clean stop on SIGINT/SIGTERM. A module of
 * its own so that main.ts loads it, and the server's dependencies with it, only to serve.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createConnector } from "./app.ts";
import { ensureAdminToken, writeUrlFile } from "./bootstrap.ts";
import { createLogger } from "./log.ts";
import { databaseLocation, defaultStateDir, sqliteFilePath } from "./paths.ts";
import { isPostgresLocation } from "./store/open.ts";
import { lockDatabase, type InstanceLock } from "./instance-lock.ts";
import { checkSqliteLocation } from "./preflight.ts";
import { logFileLimit } from "./file-limit.ts";
import { StartupError } from "./startup-errors.ts";
import { startupFailure } from "./startup-failure.ts";

export async function runServe(opts: ServeOptions): Promise<void> {
  const log = createLogger(opts.logLevel);
  try {
    await serve(opts, log);
  } catch (error) {
    const failure = startupFailure(error, opts);
    // One line for the admin; the detail (stack, cause) only at debug.
    log.debug({ err: error }, "startup failed");
    process.stderr.write(`facet-connector: ${failure.message}\n`);
    process.exit(failure.exitCode);
  }
}


export interface ServeOptions {
  port: number;
  host: string;
  database?: string;
  tlsCert?: string;
  tlsKey?: string;
  deviceCaCert?: string;
  deviceCaKey?: string;
  defaultMaxFactAge?: number;
  bindOnVerifiedSignIn?: boolean;
  osCatalogRefresh: number;
  osCatalogSofaUrl: string;
  osCatalogEndoflifeUrl: string;
  osCatalogMsrcUrl: string;
  logLevel: string;
  stateDir?: string;
  eventRetentionDays?: number;
  eventMaxRows?: number;
  osCatalogMaxAgeDays?: number;
  lookupCacheMb?: number;
}

async function serve(opts: ServeOptions, log: ReturnType<typeof createLogger>): Promise<void> {
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new StartupError("usage", "--tls-cert and --tls-key must be given together");
  if (Boolean(opts.deviceCaCert) !== Boolean(opts.deviceCaKey)) throw new StartupError("usage", "--device-ca-cert and --device-ca-key must be given together");
  const tls = opts.tlsCert && opts.tlsKey ? { cert: readTlsFile(opts.tlsCert, "certificate"), key: readTlsFile(opts.tlsKey, "key") } : undefined;
  const explicit = opts.database ?? (process.env.FACET_DATABASE_URL || undefined);
  const database = databaseLocation(opts.database);
  const postgres = isPostgresLocation(database);
  const stateDir = opts.stateDir ?? defaultStateDir(database, postgres);
  let lock: InstanceLock | undefined;
  if (!postgres) {
    const path = sqliteFilePath(database);
    checkSqliteLocation(path, explicit !== undefined || Boolean(process.env.FACET_DATABASE));
    if (!existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    lock = lockDatabase(path);
  }
  const connector = await createConnector({
    database,
    host: opts.host,
    port: opts.port,
    logger: log,
    limits: {
      ...(opts.eventRetentionDays !== undefined ? { eventRetentionDays: opts.eventRetentionDays } : {}),
      ...(opts.eventMaxRows !== undefined ? { eventMaxRows: opts.eventMaxRows } : {}),
      ...(opts.lookupCacheMb !== undefined ? { snapshotCacheBytes: opts.lookupCacheMb * 2 ** 20, policySnapshotCacheBytes: opts.lookupCacheMb * 2 ** 20, factsCacheBytes: opts.lookupCacheMb * 2 ** 20 } : {}),
      ...(opts.osCatalogMaxAgeDays !== undefined ? { osCatalogMaxAgeDays: opts.osCatalogMaxAgeDays } : {}),
      ...(opts.defaultMaxFactAge !== undefined ? { defaultMaxFactAgeSeconds: opts.defaultMaxFactAge * 3600 } : {}),
      ...(opts.bindOnVerifiedSignIn ? { bindOnVerifiedSignIn: true } : {}),
      osCatalogRefreshMs: opts.osCatalogRefresh,
      osCatalogSources: { sofa: opts.osCatalogSofaUrl, endoflife: opts.osCatalogEndoflifeUrl, msrc: opts.osCatalogMsrcUrl },
    },
    ...(opts.deviceCaCert && opts.deviceCaKey ? { deviceCaFiles: { certFile: opts.deviceCaCert, keyFile: opts.deviceCaKey } } : {}),
    ...(tls ? { tls } : {}),
  });
  await ensureAdminToken(connector.store, stateDir, Date.now(), log);
  writeUrlFile(stateDir, connector.url);
  lock?.announce(connector.url);
  log.info(
    { url: connector.url, agentUrl: connector.agentUrl, store: connector.store.kind, database: postgres ? "postgres" : resolve(database) },
    "connector listening",
  );
  logFileLimit(log);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    // A stuck close must not keep the process alive forever.
    setTimeout(() => process.exit(1), 10_000).unref();
    connector.close().then(
      () => {
        lock?.release();
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

function readTlsFile(path: string, what: "certificate" | "key"): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StartupError("tls", `cannot read the TLS ${what} ${path}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message}`);
  }
}
