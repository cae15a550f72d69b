/**
 * `GET /metrics`: the Prometheus text exposition, for an API token with the `metrics:read` scope
 * (Prometheus sends it with `authorization: { credentials_file: … }`). Served on the connector's
 * one port like everything else, so there is no second listener to secure; the metrics name no
 * devices or users, but they do show fleet size and sign-in volume, hence the token.
 *
 * Also times every `POST /v1/endpoint/check` that was answered with a decision (200).
 */
import type { Hono } from "hono";
import type { AuthVariables } from "../http/middleware/auth.ts";
import { requireScope } from "../http/middleware/auth.ts";
import type { ApiTokenCache } from "../tokens/api-token-cache.ts";
import { METRICS_PATH } from "../api/service.ts";
import type { ConnectorMetrics } from "./index.ts";

export { METRICS_PATH };
const SIGNIN_PATH = "/v1/endpoint/check";

export function mountMetrics(app: Hono<{ Variables: AuthVariables }>, deps: { apiTokens: ApiTokenCache; metrics: ConnectorMetrics }): void {
  const { metrics } = deps;
  app.use(SIGNIN_PATH, async (c, next) => {
    if (c.req.method !== "POST") return next();
    const done = metrics.signInTimer();
    await next();
    if (c.res.status === 200) done();
  });
  app.get(METRICS_PATH, requireScope(deps.apiTokens, "metrics:read"), async (c) => {
    const { contentType, body } = await metrics.exposition();
    return c.body(body, 200, { "content-type": contentType, "cache-control": "no-store" });
  });
}
