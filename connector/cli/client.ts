/**
 * A small typed client for the connector's REST API. The `facet` CLI is a thin layer over it;
 * tests and the bench use it too. Every non-2xx answer becomes an ApiError carrying the
 * `{ error: { code, message } }` body. Requests and answers are typed by the REST contract
 * (connector/api/, `ApiAnswer<"getDevice">`), the one the connector validates and documents; the
 * client knows nothing else of the server.
 *
 *   const api = new FacetClient({ url: "http://127.0.0.1:8787", token });
 *   const { devices } = await api.listDevices({ platform: "linux" });
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Scope } from "../api/contract.ts";
import type { DeviceListQuerySchema, DeviceSummary, FactsView } from "../api/devices.ts";
import type { EventListQuery } from "../api/events.ts";
import type { ApiAnswer } from "../api/routes.ts";
import type { CreateEnrollTokenSchema } from "../api/tokens.ts";
import type { z } from "zod";
import { NetworkError, describeNetworkFailure } from "./network-error.ts";

export type { FactsView } from "../api/devices.ts";
export type { EventListQuery } from "../api/events.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The list's filters; `include_revoked` as a boolean. Always summaries: full views are `getDevice`'s. */
export type DeviceListQuery = Omit<z.input<typeof DeviceListQuerySchema>, "include_revoked" | "view"> & { include_revoked?: boolean };

export interface ClientOptions {
  url: string;
  token: string;
  timeoutMs?: number;
  /** PEM of a CA to trust besides the system's. */
  ca?: string | Buffer;
}

export class FacetClient {

  private options: ClientOptions | null;
  private readonly resolve: (() => Promise<ClientOptions>) | null;

  /** Options, or a function that finds them at the first request (the CLI reads its config lazily). */
  constructor(options: ClientOptions | (() => Promise<ClientOptions>)) {
    this.options = typeof options === "function" ? null : options;
    this.resolve = typeof options === "function" ? options : null;
  }

  private async connection(): Promise<ClientOptions> {
    this.options ??= await this.resolve!();
    return this.options;
  }

  listDevices(query: DeviceListQuery = {}) {
    return this.request<Omit<ApiAnswer<"listDevices">, "devices"> & { devices: DeviceSummary[] }>("GET", "/v1/devices", query);
  }

  /** `view`: authentik's view of the facts (the server's default) or Facet's full document. */
  getDevice(id: string, view?: FactsView) {
    return this.request<ApiAnswer<"getDevice">>("GET", `/v1/devices/${encodeURIComponent(id)}`, { view });
  }

  refreshDevice(id: string, waitSeconds = 5, view?: FactsView) {
    return this.request<ApiAnswer<"refreshDevice">>("POST", `/v1/devices/${encodeURIComponent(id)}/refresh`, { wait: waitSeconds, view }, undefined, (waitSeconds + 10) * 1000);
  }

  revokeDevice(id: string) {
    return this.request<ApiAnswer<"revokeDevice">>("POST", `/v1/devices/${encodeURIComponent(id)}/revoke`);
  }

  listEvents(query: EventListQuery = {}) {
    return this.request<ApiAnswer<"listEvents">>("GET", "/v1/events", query);
  }

  deviceUsers(id: string) {
    return this.request<ApiAnswer<"deviceUsers">>("GET", `/v1/devices/${encodeURIComponent(id)}/users`);
  }

  assignUser(id: string, username: string) {
    return this.request<ApiAnswer<"assignUser", 200 | 201>>("POST", `/v1/devices/${encodeURIComponent(id)}/users`, undefined, { username });
  }

  unassignUser(id: string, username: string) {
    return this.request<ApiAnswer<"unassignUser">>("DELETE", `/v1/devices/${encodeURIComponent(id)}/users/${encodeURIComponent(username)}`);
  }

  createEnrollToken(spec: z.input<typeof CreateEnrollTokenSchema>) {
    return this.request<ApiAnswer<"createEnrollToken", 201>>("POST", "/v1/tokens/enroll", undefined, spec);
  }

  listEnrollTokens() {
    return this.request<ApiAnswer<"listEnrollTokens">>("GET", "/v1/tokens/enroll");
  }

  revokeEnrollToken(id: string) {
    return this.request<ApiAnswer<"revokeEnrollToken">>("POST", `/v1/tokens/enroll/${encodeURIComponent(id)}/revoke`);
  }

  createApiToken(spec: { name: string; scopes: Scope[] }) {
    return this.request<ApiAnswer<"createApiToken", 201>>("POST", "/v1/tokens/api", undefined, spec);
  }

  whoami() {
    return this.request<ApiAnswer<"whoami">>("GET", "/v1/whoami");
  }

  listApiTokens() {
    return this.request<ApiAnswer<"listApiTokens">>("GET", "/v1/tokens/api");
  }

  revokeApiToken(id: string) {
    return this.request<ApiAnswer<"revokeApiToken">>("POST", `/v1/tokens/api/${encodeURIComponent(id)}/revoke`);
  }

  async request<T>(method: string, path: string, query?: object, body?: unknown, timeoutMs?: number): Promise<T> {
    const options = await this.connection();
    const url = new URL(options.url.replace(/\/+$/, "") + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    const payload = body !== undefined ? Buffer.from(JSON.stringify(body)) : undefined;
    const { status, text } = await send(url, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        accept: "application/json",
        ...(payload ? { "content-type": "application/json", "content-length": String(payload.length) } : {}),
      },
      ...(options.ca ? { ca: options.ca } : {}),
      timeoutMs: timeoutMs ?? options.timeoutMs ?? 30_000,
      payload,
    });
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = undefined;
    }
    if (status < 200 || status >= 300) {
      const error = (json as { error?: { code?: string; message?: string } } | null | undefined)?.error;
      if (json === undefined) throw new ApiError(status, "http_error", `${url.origin} answered HTTP ${status} with a body that is not the connector's JSON (a proxy, or not a Facet connector?)`);
      throw new ApiError(status, error?.code ?? "http_error", error?.message ?? `HTTP ${status}`);
    }
    if (json === undefined) throw new ApiError(status, "bad_answer", `${url.origin} answered with something other than JSON: is this a Facet connector?`);
    return json as T;
  }
}

/**
 * One HTTP(S) request with node:http(s) rather than fetch: its errors carry the codes that say
 * what went wrong (ECONNREFUSED, ENOTFOUND, UNABLE_TO_VERIFY_LEAF_SIGNATURE…), and it takes a CA.
 */
function send(url: URL, opts: { method: string; headers: Record<string, string>; ca?: string | Buffer; timeoutMs: number; payload?: Buffer | undefined }): Promise<{ status: number; text: string }> {
  const display = `${url.origin}${url.pathname}`;
  return new Promise((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => reject(new NetworkError(display, describeNetworkFailure(error, url), error.code));
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      url,
      { method: opts.method, headers: opts.headers, ...(opts.ca ? { ca: opts.ca } : {}) },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            request.destroy(Object.assign(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`), { code: "TOO_LARGE" }));
            return;
          }
          chunks.push(chunk);
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", fail);
      },
    );
    request.setTimeout(opts.timeoutMs, () => request.destroy(Object.assign(new Error("timed out"), { code: "TIMEOUT" })));
    request.on("error", fail);
    request.end(opts.payload);
  });
}

/** Far above any answer the API gives (a device view is ~100 KB); a bound on a misbehaving server. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
