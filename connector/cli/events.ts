/**
 * `facet events`: newest first, a page at a time. When older events exist, stderr says how to see
 * them (`--cursor`), so a list never silently stops at its limit.
 */
import type { Command } from "commander";
import { integerOption } from "../../shared/cli/integer-option.ts";
import type { Cli } from "./cli-context.ts";
import { parseDuration } from "./config.ts";
import { note, print, printJson } from "./output.ts";
import { renderTable } from "./table.ts";
import { UsageError } from "./usage-error.ts";

const positiveInt = integerOption({ min: 1 });
const cursorInt = integerOption({ min: 0 });

/** `key=value …`, short, for the DETAIL column; --json has the whole event. */
function detail(data: Record<string, unknown>, max = 100): string {
  const text = Object.entries(data)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function registerEventCommands(program: Command, cli: Cli): void {
  program
    .command("events")
    .description("the audit trail, newest first: enrollments, snapshots accepted/rejected, revocations, tokens, policies")
    .option("--type <type>", "exact types (comma-separated) or a prefix like device.*")
    .option("--since <when>", "only events after this: an ISO time or a duration ago (1h, 7d)")
    .option("--device <id>", "only this device's events")
    .option("--limit <n>", "events per page", positiveInt, 50)
    .option("--cursor <id>", "continue after a previous page (the number `more…` printed)", cursorInt)
    .option("--oldest-first", "oldest first instead")
    .option("--json", "print a JSON array of events")
    .action(async (o: { type?: string; since?: string; device?: string; limit: number; cursor?: number; oldestFirst?: boolean; json?: boolean }) => {
      let since: string | undefined;
      if (o.since !== undefined) {
        const ago = parseDuration(o.since);
        if (ago === null && Number.isNaN(Date.parse(o.since))) throw new UsageError(`--since: "${o.since}" is neither an ISO time nor a duration like 1h, 7d`);
        since = ago !== null ? new Date(Date.now() - ago).toISOString() : o.since;
      }
      const page = await (await cli.client()).listEvents({ order: o.oldestFirst ? "oldest" : "newest", type: o.type, since, device: o.device, limit: o.limit, cursor: o.cursor });
      if (o.json) printJson(page.events);
      else if (page.events.length === 0) print("no events");
      else print(renderTable(["ID", "TIME", "TYPE", "DEVICE", "DETAIL"], page.events.map((e) => [e.id, e.at, e.type, e.device_id, detail(e.data)])));
      // Not the whole command line again: it may carry --token.
      if (page.next_cursor !== null) note(`more… ${o.oldestFirst ? "newer" : "older"} events: repeat with --cursor ${page.next_cursor}`, "dim");
    });
}
