/**
 * A small typed client for the connector's REST API. The `facet` CLI is a thin layer over it;
 * tests and the bench use it too. Every non-2xx answer becomes an ApiError carrying the
 * `{ error: { code, message } }` body.
 *
 *   const api = new FacetClient({ url: "http://127.0.0.1:8787", token });
 *   const { devices } = await api.listDevices({ platform: "linux" });
 */
import type { DeviceView, FactsView } from "../http/device-view.ts";
import type { Scope } from "../store/types.ts";

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

export interface EnrollTokenInfo {
  id: string;
  label: string | null;
  user: string | null;
  created_at: string;
  expires_at: string | null;
  max_uses: number | null;
  uses: number;
  revoked_at: string | null;
  state: "active" | "expired" | "used_up" | "revoked";
}

export interface DeviceUsersInfo {
  device_id: string;
  bound: { username: string; source: "admin" | "enrollment" | "idp"; bound_by: string; bound_at: string }[];
  claimed: { console_user_at_enrollment: string | null; users_reported: string[] };
}

export interface ApiTokenInfo {
  id: string;
  name: string;
  scopes: Scope[];
  created_at: string;
  revoked_at: string | null;
}

export interface EventInfo {
  id: number;
  type: string;
  at: string;
  device_id: string | null;
  data: Record<string, unknown>;
}

export interface DeviceListQuery {
  serial?: string;
  hostname?: string;
  user?: string;
  platform?: string;
  limit?: number;
  cursor?: string;
  include_revoked?: boolean;
}

export interface EventListQuery {
  type?: string;
  since?: string;
  device?: string;
  cursor?: number;
  limit?: number;
}

export class FacetClient {
  private readonly base: string;

  constructor(private readonly options: { url: string; token: string; timeoutMs?: number }) {
    this.base = options.url.replace(/\/+$/, "");
  }

  listDevices(query: DeviceListQuery = {}) {
    return this.request<{ devices: DeviceView[]; next_cursor: string | null }>("GET", "/v1/devices", query);
  }

  /** `view`: authentik's view of the facts (the server's default) or Facet's full document. */
  getDevice(id: string, view?: FactsView) {
    return this.request<DeviceView>("GET", `/v1/devices/${encodeURIComponent(id)}`, { view });
  }

  refreshDevice(id: string, waitSeconds = 5, view?: FactsView) {
    return this.request<DeviceView>("POST", `/v1/devices/${encodeURIComponent(id)}/refresh`, { wait: waitSeconds, view }, undefined, (waitSeconds + 10) * 1000);
  }

  revokeDevice(id: string) {
    return this.request<{ id: string; revoked_at: string; disconnected: boolean }>("POST", `/v1/devices/${encodeURIComponent(id)}/revoke`);
  }

  listEvents(query: EventListQuery = {}) {
    return this.request<{ events: EventInfo[]; next_cursor: number | null }>("GET", "/v1/events", query);
  }

  deviceUsers(id: string) {
    return this.request<DeviceUsersInfo>("GET", `/v1/devices/${encodeURIComponent(id)}/users`);
  }

  assignUser(id: string, username: string) {
    return this.request<{ device_id: string; username: string; bound: "now" | "already" }>("POST", `/v1/devices/${encodeURIComponent(id)}/users`, undefined, { username });
  }

  unassignUser(id: string, username: string) {
    return this.request<{ device_id: string; username: string; removed: true }>("DELETE", `/v1/devices/${encodeURIComponent(id)}/users/${encodeURIComponent(username)}`);
  }

  createEnrollToken(spec: { label?: string; max_uses?: number; expires_in?: number; user?: string }) {
    return this.request<EnrollTokenInfo & { token: string }>("POST", "/v1/tokens/enroll", undefined, spec);
  }

  listEnrollTokens() {
    return this.request<{ tokens: EnrollTokenInfo[] }>("GET", "/v1/tokens/enroll");
  }

  revokeEnrollToken(id: string) {
    return this.request<{ id: string; revoked: true }>("POST", `/v1/tokens/enroll/${encodeURIComponent(id)}/revoke`);
  }

  createApiToken(spec: { name: string; scopes: Scope[] }) {
    return this.request<ApiTokenInfo & { token: string }>("POST", "/v1/tokens/api", undefined, spec);
  }

  listApiTokens() {
    return this.request<{ tokens: ApiTokenInfo[] }>("GET", "/v1/tokens/api");
  }

  revokeApiToken(id: string) {
    return this.request<{ id: string; revoked: true }>("POST", `/v1/tokens/api/${encodeURIComponent(id)}/revoke`);
  }

  async request<T>(method: string, path: string, query?: object, body?: unknown, timeoutMs = this.options.timeoutMs ?? 30_000): Promise<T> {
    const url = new URL(this.base + path);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${this.options.token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(response.status, error?.code ?? "http_error", error?.message ?? `HTTP ${response.status}`);
    }
    return json as T;
  }
}
