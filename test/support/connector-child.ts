/**
 * A connector in its own process, for tests that kill it: `tsx connector-child.ts <db> <port> '<limits>'`.
 * Prints one JSON line `{ url, agentUrl, port, adminToken? }` on stdout once listening; mints an
 * admin token and an unlimited enrollment token only on the first start (empty database).
 */
import { createConnector } from "../../connector/app.ts";
import { createLogger } from "../../connector/log.ts";
import { issueApiToken, issueEnrollToken } from "../../connector/tokens/issue.ts";

const [database, port = "0", limits = "{}"] = process.argv.slice(2);
const connector = await createConnector({ database: database!, port: Number(port), host: "127.0.0.1", limits: JSON.parse(limits), logger: createLogger("silent") });
const fresh = (await connector.store.listApiTokens()).length === 0;
const tokens = fresh
  ? { adminToken: (await issueApiToken(connector.store, { name: "test admin", scopes: ["admin"] }, Date.now())).secret, enrollToken: (await issueEnrollToken(connector.store, { label: "test" }, Date.now())).secret }
  : {};
process.stdout.write(JSON.stringify({ url: connector.url, agentUrl: connector.agentUrl, port: connector.port, pid: process.pid, ...tokens }) + "\n");
const stop = () => void connector.close().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
