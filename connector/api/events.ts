/** The audit trail, paged by event id. */
import { z } from "zod";
import { IsoTime, route, scope } from "./contract.ts";

export const EventQuerySchema = z.object({
  /** Comma-separated exact types, or one prefix ending in `.` or `.*` (`device.*`). */
  type: z.string().max(512).optional(),
  /** ISO 8601 time or epoch milliseconds. */
  since: z.string().max(64).optional(),
  device: z.string().max(128).optional(),
  cursor: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  order: z.enum(["oldest", "newest"]).default("oldest"),
  /** Okta System Log style, e.g. `event_type eq "device.assurance.policy.add"` (connector/http/event-filter.ts). */
  filter: z.string().max(1024).optional(),
});

export const EventSchema = z.object({
  id: z.number().int(),
  type: z.string(),
  at: IsoTime,
  device_id: z.string().nullable(),
  data: z.record(z.string(), z.unknown()),
});

export const eventRoutes = [
  route({
    method: "get", path: "/v1/events", id: "listEvents", tag: "events", auth: scope("events:read"),
    summary: "The audit trail: oldest first, or newest first with `order=newest`",
    query: EventQuerySchema,
    responses: { 200: { description: "a page of events; `next_cursor` continues in the same order", schema: z.object({ events: z.array(EventSchema), next_cursor: z.number().int().nullable() }) } },
  }),
] as const;

export type EventListQuery = z.input<typeof EventQuerySchema>;
