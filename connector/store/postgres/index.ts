/**
 * The PostgreSQL backend: `openPostgresStore("postgres://user@host/db?schema=facet")`.
 * connector/store/open.ts loads this module lazily, so SQLite-only deployments never load `pg`.
 */
export { PostgresStore, openPostgresStore, DEFAULT_HISTORY_LIMIT, type PostgresStoreOptions } from "./store.ts";
export { MIGRATIONS, migrate, type Migration, type MigrationReport } from "./migrations/index.ts";
export { isPostgresLocation, parsePostgresLocation, redactLocation } from "./connection.ts";
