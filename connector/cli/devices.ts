/** `facet devices ls|show|refresh|revoke` and `facet facts <id>`. */
import type { Command } from "commander";
import { renderFactsTree } from "../../shared/facts/tree.ts";
import { integerOption } from "../../shared/cli/integer-option.ts";
import type { DeviceSummary } from "../api/devices.ts";
import type { Cli } from "./cli-context.ts";
import { note, print, printJson, style } from "./output.ts";
import { age, renderTable } from "./table.ts";
import { escapeControl, escapeControlDeep } from "./terminal-safe.ts";

const positiveInt = integerOption({ min: 1 });
/** The API's largest page: a list of summaries is ~300 bytes a device. */
const PAGE = 500;

/** A device's facts as a tree, with every key and value made terminal-safe first. */
function factsTree(data: unknown, unknown: Record<string, string>): string {
  return renderFactsTree(escapeControlDeep(data as Record<string, unknown>), escapeControlDeep(unknown));
}

export function registerDeviceCommands(program: Command, cli: Cli): void {
  const devices = program.command("devices").description("list, show, refresh and revoke devices");

  devices
    .command("ls")
    .description("list devices (summaries; `devices show <id>` has the facts)")
    .option("--serial <serial>", "only this hardware serial")
    .option("--hostname <hostname>", "only this host name")
    .option("--user <username>", "only devices of this user")
    .option("--platform <platform>", "only this platform (linux, darwin, windows)")
    .option("--revoked", "include revoked devices")
    .option("--limit <n>", "show at most n devices (default: all)", positiveInt)
    .option("--json", "print a JSON array of device summaries")
    .action(async (o: { serial?: string; hostname?: string; user?: string; platform?: string; revoked?: boolean; limit?: number; json?: boolean }) => {
      const api = (await cli.client());
      const all: DeviceSummary[] = [];
      let cursor: string | undefined;
      let more = false;
      do {
        const want = o.limit === undefined ? PAGE : Math.min(PAGE, o.limit - all.length);
        const page = await api.listDevices({ serial: o.serial, hostname: o.hostname, user: o.user, platform: o.platform, include_revoked: o.revoked, limit: want, cursor });
        all.push(...page.devices);
        cursor = page.next_cursor ?? undefined;
        if (o.limit !== undefined && all.length >= o.limit) {
          more = cursor !== undefined;
          break;
        }
      } while (cursor);
      if (o.json) printJson(all);
      else if (all.length === 0) print("no devices");
      else
        print(
          renderTable(
            ["ID", "NAME", "PLATFORM", "USER", "SERIAL", "MODEL", "CONNECTED", "LAST SEEN"],
            all.map((d) => [
              d.id,
              d.name,
              d.platform,
              d.user,
              d.identifier,
              [d.manufacturer, d.model].filter(Boolean).join(" "),
              d.revoked_at ? { text: "revoked", style: ["dim"] } : d.connected ? { text: "yes", style: ["green"] } : "no",
              age(d.last_seen),
            ]),
          ),
        );
      if (more) note(`more devices: raise --limit (showed ${all.length})`, "dim");
    });

  devices
    .command("show <id>")
    .description("show a device and its facts as a tree (unknowns marked)")
    .option("--json", "print the device as the REST API returns it")
    .action(async (id: string, o: { json?: boolean }) => {
      // Facet's full document: every unknown shown in place with its reason.
      const d = await (await cli.client()).getDevice(id, "facet");
      if (o.json) return printJson(d);
      const v = (value: string | null | undefined, fallback = "-") => (value ? escapeControl(value) : fallback);
      print(
        [
          `id:           ${v(d.id)}`,
          `name:         ${v(d.name)}`,
          `platform:     ${v(d.platform)}`,
          `serial:       ${v(d.identifier)}`,
          `hardware:     ${v([d.manufacturer, d.model].filter(Boolean).join(" "))}`,
          `connected:    ${d.connected ? style("yes", "green") : "no"}`,
          `last seen:    ${d.last_seen ?? "never"}${d.last_seen ? ` (${age(d.last_seen)})` : ""}`,
        ].join("\n"),
      );
      if (!d.cached_facts) return print("\nno facts received yet");
      const stale = Date.parse(d.cached_facts.expires) < Date.now();
      print(`facts from:   ${v(d.cached_facts.created)}${stale ? style("  (EXPIRED)", "yellow") : ""}, expire ${v(d.cached_facts.expires)}\n`);
      print(factsTree(d.cached_facts.data, d.cached_facts.unknown));
    });

  devices
    .command("refresh <id>")
    .description("ask the device's agent for fresh facts and wait for them")
    .option("--wait <seconds>", "how long to wait", positiveInt, 5)
    .option("--json", "print JSON")
    .action(async (id: string, o: { wait: number; json?: boolean }) => {
      const d = await (await cli.client()).refreshDevice(id, o.wait, "facet");
      if (o.json) return printJson(d);
      print(`fresh facts from ${escapeControl(d.cached_facts?.created ?? "?")}`);
    });

  devices
    .command("revoke <id>")
    .description("revoke a device: its agent is disconnected and refused from now on")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) => {
      const r = await (await cli.client()).revokeDevice(id);
      if (o.json) return printJson(r);
      print(`revoked ${escapeControl(r.id)} at ${r.revoked_at}${r.disconnected ? " (agent disconnected)" : ""}`);
    });

  devices
    .command("assign <id>")
    .description("bind a device to a user: sign-ins by that user may then be judged on it")
    .requiredOption("--user <username>", "the user as the identity provider names them")
    .option("--json", "print JSON")
    .action(async (id: string, o: { user: string; json?: boolean }) => {
      const r = await (await cli.client()).assignUser(id, o.user);
      if (o.json) return printJson(r);
      print(r.bound === "now" ? `${escapeControl(r.device_id)} is now bound to ${escapeControl(r.username)}` : `${escapeControl(r.device_id)} was already bound to ${escapeControl(r.username)}`);
    });

  devices
    .command("unassign <id>")
    .description("remove a user's binding to a device")
    .requiredOption("--user <username>", "the user as the identity provider names them")
    .option("--json", "print JSON")
    .action(async (id: string, o: { user: string; json?: boolean }) => {
      const r = await (await cli.client()).unassignUser(id, o.user);
      if (o.json) return printJson(r);
      print(`${escapeControl(r.device_id)} is no longer bound to ${escapeControl(r.username)}`);
    });

  devices
    .command("users <id>")
    .description("who a device is bound to (and by whom), and which users it claims")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) => {
      const r = await (await cli.client()).deviceUsers(id);
      if (o.json) return printJson(r);
      if (r.bound.length === 0) print("bound to nobody: no sign-in can be judged on this device for a named user");
      for (const b of r.bound) print(`${escapeControl(b.username)}\tbound by ${escapeControl(b.source)} (${escapeControl(b.bound_by)}) at ${b.bound_at}`);
      const claims = [r.claimed.console_user_at_enrollment, ...r.claimed.users_reported].filter((u): u is string => !!u);
      if (claims.length > 0) print(`claimed by the device (not used for verdicts): ${[...new Set(claims)].map(escapeControl).join(", ")}`);
    });

  program
    .command("facts <id>")
    .description("print a device's cached facts")
    .option("--json", "print { data, unknown, created, expires } as JSON")
    .option("--authentik", "the facts as authentik reads them (unknowns left out) instead of Facet's full document")
    .action(async (id: string, o: { json?: boolean; authentik?: boolean }) => {
      const d = await (await cli.client()).getDevice(id, o.authentik ? "authentik" : "facet");
      if (o.json) return printJson(d.cached_facts);
      if (!d.cached_facts) return print("no facts received yet");
      print(factsTree(d.cached_facts.data, d.cached_facts.unknown));
    });
}
