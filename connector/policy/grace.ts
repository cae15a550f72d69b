/**
 * Grace periods: how long a failing check still lets the device in.
 *
 * BY_DURATION counts from the moment the connector first saw the check fail (`firstFailedAt`, kept
 * per device × policy × check), so a device that fails for a new reason gets the full window;
 * BY_DATE_TIME lets every failing device in until one deadline.
 */
import { DateTime } from "luxon";
import { parseIsoDeadline, parseIsoDuration } from "./rules.ts";
import type { PolicyBody } from "./schema.ts";

/** Epoch ms until which a check failing since `firstFailedAt` is in grace, or null without grace. */
export function graceDeadline(grace: PolicyBody["gracePeriod"], firstFailedAt: number): number | null {
  if (!grace) return null;
  if (grace.type === "BY_DATE_TIME") return parseIsoDeadline(grace.expiry)?.toMillis() ?? null;
  const duration = parseIsoDuration(grace.expiry);
  return duration ? DateTime.fromMillis(firstFailedAt, { zone: "utc" }).plus(duration).toMillis() : null;
}
