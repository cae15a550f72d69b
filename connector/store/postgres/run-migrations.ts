/**
 * `facet-connector migrate` for PostgreSQL: applies pending migrations and reports them, for
 * operators who migrate before rolling out replicas (replicas also migrate at start, under the
 * same advisory lock, so running both is safe).
 */
import { createPool, parsePostgresLocation } from "./connection.ts";
import { MIGRATIONS, migrate, type MigrationReport } from "./migrations/index.ts";

export async function runPostgresMigrations(url: string): Promise<MigrationReport & { known: number }> {
  const location = parsePostgresLocation(url);
  const pool = createPool(location, { max: 1, applicationName: "facet-connector-migrate" });
  try {
    const client = await pool.connect();
    try {
      return { ...(await migrate(client, location.schema)), known: Math.max(...MIGRATIONS.map((m) => m.version)) };
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
