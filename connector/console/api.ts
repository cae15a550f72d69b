/**
 * The console acts through the connector's own REST API, in-process, as the signed-in token: every
 * write gets the API's validation, scope checks and audit events, and the console can never do
 * more than the token it was opened with.
 */
import type { Hono } from "hono";
import type { ConsoleSession } from "./session.ts";

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export type ApiErrorBody = { error: { code: string; message: string; issues?: { path: string; message: string }[] } };

export type RestCall = <T>(session: ConsoleSession, method: string, path: string, body?: unknown) => Promise<ApiAnswer<T>>;

export function restClient(app: Hono<any>): RestCall {
  return async <T>(session: ConsoleSession, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const headers: Record<string, string> = { authorization: `Bearer ${session.secret}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await app.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
}

export function isApiError(body: unknown): body is ApiErrorBody {
  return typeof body === "object" && body !== null && "error" in body;
}
