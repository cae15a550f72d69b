/**
 * Starts a real connector for a test: real SQLite file in a temp dir, 127.0.0.1, port 0.
 * With FACET_TEST_STORE=postgres the same tests run on PostgreSQL instead, each connector on its
 * own throwaway schema (`FACET_TEST_STORE=postgres node scripts/run-tests.mjs test/connector`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnector, type Connector, type ConnectorOptions } from "../../connector/app.ts";
import { createLogger } from "../../connector/log.ts";
import { issueApiToken, issueEnrollToken } from "../../connector/tokens/issue.ts";
import { createTestSchema } from "./postgres-schema.ts";

/** The backend integration tests run on: `sqlite` (default) or `postgres`. */
export const TEST_STORE: "sqlite" | "postgres" = process.env.FACET_TEST_STORE === "postgres" ? "postgres" : "sqlite";

export interface TestConnector {
  connector: Connector;
  dir: string;
  /** The SQLite file, or on PostgreSQL the schema's URL: either reopens the same data with openStore. */
  databasePath: string;
  /** An admin API token secret. */
  adminToken: string;
  /** An unlimited enrollment token secret. */
  enrollToken: string;
  /** fetch against the connector with the admin token (or `token: null` for none). */
  api(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  stop(): Promise<void>;
}

export async function startTestConnector(options: Omit<ConnectorOptions, "database" | "store"> = {}): Promise<TestConnector> {
  const dir = mkdtempSync(join(tmpdir(), "facet-connector-"));
  const schema = TEST_STORE === "postgres" ? await createTestSchema() : null;
  const databasePath = schema ? schema.url : join(dir, "facet.db");
  // Verify threads start with the first agent frame: most tests' connectors see none.
  const connector = await createConnector({ host: "127.0.0.1", port: 0, logger: createLogger("silent"), startVerifyThreads: false, ...options, database: databasePath });
  const now = Date.now();
  const admin = await issueApiToken(connector.store, { name: "test admin", scopes: ["admin"] }, now);
  const enroll = await issueEnrollToken(connector.store, { label: "test" }, now);
  return {
    connector,
    dir,
    databasePath,
    adminToken: admin.secret,
    enrollToken: enroll.secret,
    api(path, init = {}) {
      const { token, ...rest } = init;
      const headers = new Headers(rest.headers);
      const bearer = token === undefined ? admin.secret : token;
      if (bearer !== null) headers.set("authorization", `Bearer ${bearer}`);
      if (rest.body && !headers.has("content-type")) headers.set("content-type", "application/json");
      return fetch(`${connector.url}${path}`, { ...rest, headers });
    },
    async stop() {
      await connector.close();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
