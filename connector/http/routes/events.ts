/**
 * `GET /v1/events`: the audit trail, paged by event id: oldest first by default (a consumer
 * following the trail), newest first with `order=newest` (a person looking at what just happened);
 * `next_cursor` continues in the same order.
 */
import type { Hono } from "hono";
import { EventQuerySchema } from "../../api/events.ts";
import { requireScope, type AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";
import { apiError } from "../middleware/errors.ts";
import { parseEventFilter } from "../event-filter.ts";
import { query } from "../middleware/validate.ts";

function parseSince(value: string): number | null {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function mountEvents(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  app.get("/v1/events", requireScope(deps.apiTokens, "events:read"), query(EventQuerySchema), async (c) => {
    const q = c.req.valid("query");
    let since: number | undefined;
    if (q.since !== undefined) {
      const parsed = parseSince(q.since);
      if (parsed === null) return apiError(c, 400, "bad_request", "since: must be an ISO 8601 time or epoch milliseconds");
      since = parsed;
    }
    const filtered = q.filter === undefined ? { ok: true as const, filter: {} } : parseEventFilter(q.filter);
    if (!filtered.ok) return apiError(c, 400, "bad_request", filtered.message);
    const type = q.type?.trim();
    const prefix = type && /\.\*?$/.test(type) && !type.includes(",") ? type.replace(/\*$/, "") : undefined;
    const types = type && prefix === undefined ? type.split(",").map((t) => t.trim()).filter(Boolean) : undefined;
    const { limit } = q;
    const newestFirst = q.order === "newest";
    const rows = await deps.store.listEvents({
      types,
      typePrefix: prefix,
      deviceId: q.device,
      since,
      ...filtered.filter,
      ...(newestFirst ? { newestFirst, beforeId: q.cursor } : { afterId: q.cursor }),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return c.json({
      events: page.map((e) => ({ id: e.id, type: e.type, at: new Date(e.at).toISOString(), device_id: e.deviceId, data: e.data })),
      next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
    });
  });
}
