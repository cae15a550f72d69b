#!/usr/bin/env -S npx tsx
/**
 * `facet-connector serve`: the connector process. Flags win over environment variables
 * (FACET_PORT, FACET_HOST, FACET_DATABASE, FACET_TLS_CERT, FACET_TLS_KEY, FACET_DEVICE_CA_CERT,
 * FACET_DEVICE_CA_KEY, FACET_LOG_LEVEL,
 * FACET_OS_CATALOG_MAX_AGE_DAYS, FACET_OS_CATALOG_REFRESH, FACET_OS_CATALOG_SOFA_URL, …).
 */
import { resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import type { ServeOptions } from "./serve.ts";
import { DEFAULT_CATALOG_MAX_AGE_DAYS, MAX_CATALOG_MAX_AGE_DAYS, MIN_CATALOG_MAX_AGE_DAYS } from "./policy/catalog/freshness.ts";
import { databaseLocation } from "./paths.ts";
import { DEFAULT_PORT } from "./api/local-connector.ts";
import { addMaintenanceCommands } from "./maintenance/commands.ts";
import { FACET_VERSION } from "./api/version.ts";
import { integerOption } from "../shared/cli/integer-option.ts";
import { parseDuration } from "./cli/config.ts";
import { DEFAULT_CATALOG_SOURCES } from "./os-catalog/sources.ts";

const port = integerOption({ min: 0, max: 65535, what: "a port number" });
const count = integerOption({ min: 0 });
const catalogDays = integerOption({ min: MIN_CATALOG_MAX_AGE_DAYS, max: MAX_CATALOG_MAX_AGE_DAYS, what: "a whole number of days" });

/** A day of jitter-free minimum would hammer the feeds from a misconfigured fleet; an hour is the floor. */
const MIN_CATALOG_REFRESH_MS = 3600_000;
function catalogRefresh(value: string): number {
  if (value === "off") return 0;
  const ms = parseDuration(value);
  if (ms === null || ms < MIN_CATALOG_REFRESH_MS) throw new InvalidArgumentError('must be "off" or a duration of at least 1h, like 12h or 1d');
  return ms;
}
function feedUrl(value: string): string {
  try {
    const url = new URL(value.replace(/\{(product|id)\}/g, "x"));
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error();
  } catch {
    throw new InvalidArgumentError("must be an http(s) URL");
  }
  return value;
}

const program = new Command("facet-connector")
  .description("Facet connector: receives signed device facts and answers identity providers")
  .version(FACET_VERSION, "-V, --version", "print the version");

program
  .command("serve")
  .description("run the connector (REST API and agent WebSocket on one port)")
  .addOption(new Option("--port <port>", "port to listen on").env("FACET_PORT").argParser(port).default(DEFAULT_PORT))
  .addOption(new Option("--host <host>", "address to listen on").env("FACET_HOST").default("127.0.0.1"))
  .addOption(new Option("--database <location>", "SQLite file path or postgres:// URL").env("FACET_DATABASE"))
  .addOption(new Option("--tls-cert <file>", "PEM certificate: serve https and wss").env("FACET_TLS_CERT"))
  .addOption(new Option("--tls-key <file>", "PEM private key for --tls-cert").env("FACET_TLS_KEY"))
  .addOption(new Option("--device-ca-cert <file>", "PEM CA certificate that signs device certificates (default: one generated once and kept in the database)").env("FACET_DEVICE_CA_CERT"))
  .addOption(new Option("--device-ca-key <file>", "PEM private key for --device-ca-cert (ECDSA P-256/P-384 or RSA); it never enters the database").env("FACET_DEVICE_CA_KEY"))
  .addOption(
    new Option("--log-level <level>", "log level")
      .env("FACET_LOG_LEVEL")
      .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
      .default("info"),
  )
  .addOption(new Option("--state-dir <dir>", "where admin.token is written (default: the database's directory)").env("FACET_CONNECTOR_STATE_DIR"))
  .addOption(new Option("--event-retention-days <days>", "prune events older than this; 0 keeps them (default 90; snapshot.accepted 7)").env("FACET_EVENT_RETENTION_DAYS").argParser(count))
  .addOption(new Option("--event-max-rows <n>", "keep at most this many events, the newest; 0 for no cap (default 5000000)").env("FACET_EVENT_MAX_ROWS").argParser(count))
  .addOption(
    new Option("--lookup-cache-mb <mb>", "memory for each of the latest-facts caches of sign-ins and device reads: whole snapshots, policy snapshots, serialized facts (default: an eighth of the heap limit, a sixteenth for policy snapshots)")
      .env("FACET_LOOKUP_CACHE_MB")
      .argParser(integerOption({ min: 1, what: "a whole number of megabytes" })),
  )
  .addOption(
    new Option("--os-catalog-max-age-days <days>", `past this age the OS release catalog cannot vouch for "latest": such checks are UNKNOWN (default ${DEFAULT_CATALOG_MAX_AGE_DAYS})`)
      .env("FACET_OS_CATALOG_MAX_AGE_DAYS")
      .argParser(catalogDays),
  )
  .addOption(
    new Option("--default-max-fact-age <hours>", "facts older than this never pass a policy without its own maxFactAge (default 24)")
      .env("FACET_DEFAULT_MAX_FACT_AGE_HOURS")
      .argParser(integerOption({ min: 1, max: 24 * 90, what: "a whole number of hours" })),
  )
  .addOption(
    new Option("--bind-on-verified-sign-in", "bind a device with no user to the user the identity provider vouched for on a sign-in its certificate proved (default off)")
      .env("FACET_BIND_ON_VERIFIED_SIGN_IN"),
  )
  .addOption(
    new Option("--os-catalog-refresh <duration>", 'how often to update the OS release catalog from its sources (jittered ±10 %), or "off"')
      .env("FACET_OS_CATALOG_REFRESH")
      .argParser(catalogRefresh)
      .default(86_400_000, "1d"),
  )
  .addOption(new Option("--os-catalog-sofa-url <url>", "the SOFA macOS feed").env("FACET_OS_CATALOG_SOFA_URL").argParser(feedUrl).default(DEFAULT_CATALOG_SOURCES.sofa))
  .addOption(new Option("--os-catalog-endoflife-url <url>", "endoflife.date product files, {product} replaced").env("FACET_OS_CATALOG_ENDOFLIFE_URL").argParser(feedUrl).default(DEFAULT_CATALOG_SOURCES.endoflife))
  .addOption(new Option("--os-catalog-msrc-url <url>", "MSRC CVRF documents, {id} replaced (2026-Aug)").env("FACET_OS_CATALOG_MSRC_URL").argParser(feedUrl).default(DEFAULT_CATALOG_SOURCES.msrc))
  .action(async (opts: ServeOptions) => {
    // Loaded only to serve: `--version`, `--help` and the maintenance commands start without the server's modules.
    const { runServe } = await import("./serve.ts");
    await runServe(opts);
  });

program
  .command("migrate")
  .description("apply pending database migrations and exit (serve also applies them at start)")
  .addOption(new Option("--database <location>", "SQLite file path or postgres:// URL").env("FACET_DATABASE"))
  .action(async (opts: { database?: string }) => {
    const database = databaseLocation(opts.database);
    const { isPostgresLocation } = await import("./store/open.ts");
    if (isPostgresLocation(database)) {
      const { runPostgresMigrations } = await import("./store/postgres/run-migrations.ts");
      const report = await runPostgresMigrations(database);
      console.log(report.applied.length ? `applied migrations ${report.applied.join(", ")}; schema at version ${report.current}` : `schema already at version ${report.current}`);
    } else {
      const { openStore } = await import("./store/open.ts");
      await (await openStore(database)).close();
      console.log(`SQLite database ${resolve(database)} is up to date`);
    }
  });

addMaintenanceCommands(program);

// No top-level await: the packaged connector is a CommonJS bundle (a Node 22 SEA runs no ESM main).
void program.parseAsync(process.argv);
