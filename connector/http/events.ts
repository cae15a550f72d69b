/**
 * `GET /v1/events`: the audit trail, paged by event id: oldest first by default (a consumer
 * following the trail), newest first with `order=newest` (a person looking at what just happened);
 * `next_cursor` continues in the same order.
 */
import type { Hono } from "hono";
import { z } from "zod";
import { requireScope, type AuthVariables } from "./auth.ts";
import type { HttpDeps } from "./deps.ts";
import { apiError, zodMessage } from "./errors.ts";
import { parseEventFilter } from "./event-filter.ts";

const EventQuerySchema = z.object({
  /** Comma-separated exact types, or one prefix ending in `.` or `.*` (`device.*`). */
  type: z.string().max(512).optional(),
  /** ISO 8601 time or epoch milliseconds. */
  since: z.string().max(64).optional(),
  device: z.string().max(128).optional(),
  cursor: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  order: z.enum(["oldest", "newest"]).default("oldest"),
  /** Okta System Log style, e.g. `event_type eq "device.assurance.policy.add"` (see event-filter.ts). */
  filter: z.string().max(1024).optional(),
});

function parseSince(value: string): number | null {
  if (/^\d+$/.test(value)) return Number(value);
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

export function mountEvents(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  app.get("/v1/events", requireScope(deps.store, "events:read"), async (c) => {
    const q = EventQuerySchema.safeParse(c.req.query());
    if (!q.success) return apiError(c, 400, "bad_request", zodMessage(q.error));
    let since: number | undefined;
    if (q.data.since !== undefined) {
      const parsed = parseSince(q.data.since);
      if (parsed === null) return apiError(c, 400, "bad_request", "since: must be an ISO 8601 time or epoch milliseconds");
      since = parsed;
    }
    const filtered = q.data.filter === undefined ? { ok: true as const, filter: {} } : parseEventFilter(q.data.filter);
    if (!filtered.ok) return apiError(c, 400, "bad_request", filtered.message);
    const type = q.data.type?.trim();
    const prefix = type && /\.\*?$/.test(type) && !type.includes(",") ? type.replace(/\*$/, "") : undefined;
    const types = type && prefix === undefined ? type.split(",").map((t) => t.trim()).filter(Boolean) : undefined;
    const { limit } = q.data;
    const newestFirst = q.data.order === "newest";
    const rows = await deps.store.listEvents({
      types,
      typePrefix: prefix,
      deviceId: q.data.device,
      since,
      ...filtered.filter,
      ...(newestFirst ? { newestFirst, beforeId: q.data.cursor } : { afterId: q.data.cursor }),
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return c.json({
      events: page.map((e) => ({ id: e.id, type: e.type, at: new Date(e.at).toISOString(), device_id: e.deviceId, data: e.data })),
      next_cursor: rows.length > limit ? page[page.length - 1]!.id : null,
    });
  });
}
