/**
 * The REST application: every route module mounted on one hono app, with a body size limit and
 * the `{ error: { code, message } }` shape for every failure, including 404s and crashes.
 * Route modules are small `mountX(app, deps)` functions; new features add a module here.
 */
import type { IncomingMessage } from "node:http";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AuthVariables } from "./middleware/auth.ts";
import type { HttpDeps } from "./deps.ts";
import { mountDeviceCa } from "./routes/device-ca.ts";
import { mountOpenApi } from "./routes/openapi.ts";
import { mountDevices } from "./routes/devices.ts";
import { mountDeviceUsers } from "./routes/device-users.ts";
import { mountFleetApi } from "../fleet/routes.ts";
import { mountEnroll } from "./routes/enroll.ts";
import { mountReadiness } from "./routes/readiness.ts";
import { apiError } from "./middleware/errors.ts";
import { mountEvents } from "./routes/events.ts";
import { mountPolicyRoutes } from "./routes/policy-routes.ts";
import { mountTokens } from "./routes/tokens.ts";
import { mountWhoami } from "./routes/whoami.ts";
import { isStoreUnavailable } from "../store/unavailable.ts";
import { mountConsole } from "../console/index.ts";
import { mountMetrics } from "../metrics/route.ts";

export function createHttpApp(deps: HttpDeps): Hono<{ Variables: AuthVariables }> {
  const app = new Hono<{ Variables: AuthVariables }>();
  const tooLarge = (c: Context) => apiError(c, 413, "payload_too_large", `the request body is larger than ${deps.limits.maxBodyBytes} bytes`);
  const limitBody = bodyLimit({
    maxSize: deps.limits.maxBodyBytes,
    onError: (c) => tooLarge(c),
  });
  // bodyLimit reads `c.req.raw.body`, which makes @hono/node-server build a full fetch Request
  // (with an AbortSignal) for every call: a real share of a GET's and of an endpoint check's cost
  // (docs/performance.md), for a body a GET cannot carry. A body with a Content-Length (Node's
  // parser delivers exactly that many bytes) is read straight from the socket into hono's body
  // cache instead, so `c.req.json()` never builds the Request; chunked bodies and non-Node
  // servers use bodyLimit.
  app.use("/v1/*", async (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const length = c.req.header("content-length");
    if (!incoming || length === undefined || !/^\d+$/.test(length) || c.req.header("transfer-encoding") !== undefined) return limitBody(c, next);
    if (Number(length) > deps.limits.maxBodyBytes) return tooLarge(c);
    let text: string | null;
    try {
      text = await readBodyText(incoming, deps.limits.maxBodyBytes);
    } catch (error) {
      // The client went away mid-body (ECONNRESET, "aborted"): its own doing, and nothing to do
      // with the database, whatever error code the socket reports. Nobody is left to read an answer.
      deps.log.debug({ err: (error as Error).message, method: c.req.method, path: c.req.path }, "client aborted the request body");
      return apiError(c, 400, "bad_request", "the request body was not received in full");
    }
    if (text === null) return tooLarge(c);
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(text);
    return next();
  });
  app.get("/healthz", (c) => c.json({ ok: true }));
  mountReadiness(app as unknown as Hono, deps);
  // Before the routes it times (the endpoint check).
  if (deps.metrics) mountMetrics(app, { apiTokens: deps.apiTokens, metrics: deps.metrics });
  mountOpenApi(app as unknown as Hono);
  mountEnroll(app as unknown as Hono, deps);
  mountDeviceCa(app, deps);
  mountDevices(app, deps);
  mountDeviceUsers(app, deps);
  mountFleetApi(app, deps);
  mountEvents(app, deps);
  mountTokens(app, deps);
  mountPolicyRoutes(app, deps);
  mountWhoami(app, deps);
  mountConsole(app, deps);
  app.notFound((c) => apiError(c, 404, "not_found", `no route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    if (isStoreUnavailable(error)) {
      deps.log.warn({ err: error.message, method: c.req.method, path: c.req.path }, "request failed: the database is unavailable");
      return apiError(c, 503, "store_unavailable", "the connector's database is unavailable; retry shortly", { "Retry-After": "5" });
    }
    deps.log.error({ err: error, method: c.req.method, path: c.req.path }, "request failed");
    return apiError(c, 500, "internal", "the connector could not process the request");
  });
  return app;
}

/** Stateless between calls (no `stream` option): one for every body. */
const utf8 = new TextDecoder();

/**
 * The body as `Request.text()` gives it (UTF-8, a leading BOM dropped), or null past `maxBytes`.
 * Read with listeners rather than `for await`: a stream's async iterator costs a sign-in several
 * listeners, an end-of-stream watcher and a promise per chunk. It fails as the iterator did when
 * the stream errors or closes before its end (the client went away mid-body).
 */
export function readBodyText(incoming: IncomingMessage, maxBytes: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    // Already read to its end by someone else: as an iterator would, nothing more to read.
    if (incoming.readableEnded) return resolve("");
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      // Drained to the end even when too large, so the 413 can still be written on this connection.
      if (size <= maxBytes) chunks.push(chunk);
    };
    const settle = (outcome: () => void) => {
      incoming.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
      outcome();
    };
    const onEnd = () => settle(() => resolve(size > maxBytes ? null : utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size))));
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () => settle(() => reject(Object.assign(new Error("aborted"), { code: "ECONNRESET" })));
    incoming.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}
