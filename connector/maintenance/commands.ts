/**
 * Maintenance commands of `facet-connector`, run on the connector's host with its database
 * (docs/operations.md): `backup` (SQLite; PostgreSQL uses pg_dump) and `reset-admin-token`.
 * Both work with the connector running or stopped. Each prints one line; a failure is one line
 * on stderr and exit status 1.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { databaseLocation, defaultStateDir, sqliteFilePath } from "../paths.ts";

const databaseOption = () => new Option("--database <location>", "SQLite file path or postgres:// URL (as given to serve)").env("FACET_DATABASE");

export function addMaintenanceCommands(program: Command): void {
  program
    .command("backup")
    .description("copy a SQLite database to a new file, safely while the connector runs (PostgreSQL: use pg_dump)")
    .addOption(databaseOption())
    .requiredOption("--out <file>", "the backup file to create (never overwritten)")
    .action((opts: { database?: string; out: string }) =>
      run(async () => {
        // The store's modules load only when a command runs: `facet-connector --version` stays light.
        const [{ isPostgresLocation }, { backupSqlite }] = await Promise.all([import("../store/open.ts"), import("./backup.ts")]);
        const database = databaseLocation(opts.database);
        if (isPostgresLocation(database)) throw new Error("the database is PostgreSQL: back it up with pg_dump (docs/operations.md § PostgreSQL)");
        const report = await backupSqlite(sqliteFilePath(database), resolve(opts.out));
        return `backed up ${sqliteFilePath(database)} to ${report.out}: schema version ${report.schemaVersion}, ${report.devices} devices, ${report.snapshots} snapshots, integrity ok`;
      }),
    );

  program
    .command("reset-admin-token")
    .description("revoke the bootstrap admin token and write a new admin.token (when it is lost or leaked)")
    .addOption(databaseOption())
    .addOption(new Option("--state-dir <dir>", "where admin.token is written (default: as serve, the database's directory)").env("FACET_CONNECTOR_STATE_DIR"))
    .action((opts: { database?: string; stateDir?: string }) =>
      run(async () => {
        const [{ isPostgresLocation, openStore }, { resetAdminToken }] = await Promise.all([import("../store/open.ts"), import("../bootstrap.ts")]);
        const database = databaseLocation(opts.database);
        const postgres = isPostgresLocation(database);
        // Opening a missing SQLite file would create an empty database with an admin token for nobody.
        if (!postgres && !existsSync(sqliteFilePath(database))) throw new Error(`no database at ${sqliteFilePath(database)}; pass the connector's --database`);
        const store = await openStore(database, { writerThread: false });
        try {
          const reset = await resetAdminToken(store, opts.stateDir ?? defaultStateDir(database, postgres), Date.now());
          const revoked = reset.revoked ? `revoked admin token ${reset.revoked}` : "no bootstrap admin token to revoke";
          return `${revoked}; wrote admin token ${reset.tokenId} to ${reset.path}`;
        } finally {
          await store.close();
        }
      }),
    );
}

async function run(action: () => Promise<string>): Promise<void> {
  try {
    console.log(await action());
  } catch (error) {
    process.stderr.write(`facet-connector: ${(error as Error).message.replace(/\s*\n\s*/g, " ")}\n`);
    process.exitCode = 1;
  }
}
