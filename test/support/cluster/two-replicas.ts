/**
 * Two in-process connectors (createConnector, real WebSocket and REST on 127.0.0.1) sharing one
 * fresh PostgreSQL schema, with an admin API token and an enrollment token issued through A's store.
 */
import { createConnector, type Connector } from "../../../connector/app.ts";
import { createLogger } from "../../../connector/log.ts";
import { issueApiToken, issueEnrollToken } from "../../../connector/tokens/issue.ts";
import { createTestSchema, type TestSchema } from "../postgres-schema.ts";

export interface TwoReplicas {
  schema: TestSchema;
  a: Connector;
  b: Connector;
  /** Admin API token secret. */
  admin: string;
  /** Enrollment token secret. */
  enroll: string;
  close(): Promise<void>;
}

export async function startTwoReplicas(): Promise<TwoReplicas> {
  const schema = await createTestSchema();
  const start = () => createConnector({ database: schema.url, host: "127.0.0.1", port: 0, logger: createLogger("silent") });
  const a = await start();
  const b = await start();
  const admin = (await issueApiToken(a.store, { name: "test admin", scopes: ["admin"] }, Date.now())).secret;
  const enroll = (await issueEnrollToken(a.store, { label: "test" }, Date.now())).secret;
  return {
    schema, a, b, admin, enroll,
    async close() {
      await a.close();
      await b.close();
      await schema.drop();
    },
  };
}
