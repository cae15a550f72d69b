/**
 * Grace periods: how long a failing check still lets the device in.
 *
 * BY_DURATION counts from the moment the connector first saw the check fail (`firstFailedAt`, kept
 * per device × policy × check), so a device that fails for a new reason gets the full window;
 * BY_DATE_TIME lets every failing device in until one deadline.
 */
import { DateTime, type Duration } from "luxon";
import { parseIsoDeadline, parseIsoDuration } from "./rules.ts";
import type { PolicyBody } from "./schema.ts";

/** From a failure's time to its grace deadline, or null for an expiry that grants none. */
type Deadline = ((firstFailedAt: number) => number) | null;

/** Expiries seen: a policy's text is parsed once, not on every sign-in. Bounded: policy edits bring new texts. */
const deadlines = new Map<string, Deadline>();
const MAX_REMEMBERED = 256;

/** Epoch ms until which a check failing since `firstFailedAt` is in grace, or null without grace. */
export function graceDeadline(grace: PolicyBody["gracePeriod"], firstFailedAt: number): number | null {
  if (!grace) return null;
  const key = `${grace.type} ${grace.expiry}`;
  let deadline = deadlines.get(key);
  if (deadline === undefined) {
    deadline = deadlineOf(grace);
    if (deadlines.size >= MAX_REMEMBERED) deadlines.clear();
    deadlines.set(key, deadline);
  }
  return deadline ? deadline(firstFailedAt) : null;
}

function deadlineOf(grace: NonNullable<PolicyBody["gracePeriod"]>): Deadline {
  if (grace.type === "BY_DATE_TIME") {
    const at = parseIsoDeadline(grace.expiry)?.toMillis();
    return at === undefined ? null : () => at;
  }
  const duration = parseIsoDuration(grace.expiry);
  if (!duration) return null;
  if (isFixedLength(duration)) {
    // In UTC a day is always 24 hours, and luxon adds everything below a month as that fixed length.
    const ms = duration.toMillis();
    return (firstFailedAt) => firstFailedAt + ms;
  }
  return (firstFailedAt) => DateTime.fromMillis(firstFailedAt, { zone: "utc" }).plus(duration).toMillis();
}

/** Without years, quarters or months, adding the duration in UTC moves every date by the same milliseconds. */
function isFixedLength(duration: Duration): boolean {
  return duration.years === 0 && duration.quarters === 0 && duration.months === 0;
}
