#!/usr/bin/env -S npx tsx
/**
 * `facet`: the admin CLI, a thin client of the connector's REST API (./client.ts).
 * Tables for people, `--json` for scripts. Exit code 1 on an API error, 2 on bad usage.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { renderFactsTree } from "../../shared/facts/tree.ts";
import type { Scope } from "../store/types.ts";
import { ApiError, FacetClient } from "./client.ts";
import { parseDuration, resolveConnection } from "./config.ts";
import { registerOsCatalogCommands } from "./os-catalog.ts";
import { registerPolicyCommands } from "./policies.ts";
import { age, renderTable } from "./table.ts";
import { integerOption } from "../../shared/cli/integer-option.ts";

const program = new Command("facet")
  .description("Administer a Facet connector")
  .addOption(new Option("--url <url>", "connector URL").env("FACET_URL"))
  .addOption(new Option("--token <token>", "API token (default: admin.token beside the local connector's database)").env("FACET_TOKEN"))
  .showHelpAfterError();

function client(): FacetClient {
  const { url, token } = program.opts<{ url?: string; token?: string }>();
  return new FacetClient(resolveConnection({ url, token }));
}

const print = (text: string): void => void process.stdout.write(`${text}\n`);
const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));

const positiveInt = integerOption({ min: 1 });

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) throw new InvalidArgumentError("must be a duration like 30m, 12h, 7d");
  return ms;
}

const devices = program.command("devices").description("list, show, refresh and revoke devices");

devices
  .command("ls")
  .description("list devices")
  .option("--serial <serial>")
  .option("--hostname <hostname>")
  .option("--user <username>")
  .option("--platform <platform>")
  .option("--revoked", "include revoked devices")
  .option("--limit <n>", "page size", positiveInt, 100)
  .option("--json", "print JSON")
  .action(async (o: { serial?: string; hostname?: string; user?: string; platform?: string; revoked?: boolean; limit: number; json?: boolean }) => {
    const api = client();
    const all = [];
    let cursor: string | undefined;
    do {
      const page = await api.listDevices({ serial: o.serial, hostname: o.hostname, user: o.user, platform: o.platform, include_revoked: o.revoked, limit: o.limit, cursor });
      all.push(...page.devices);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    if (o.json) return printJson(all);
    if (all.length === 0) return print("no devices");
    print(
      renderTable(
        ["ID", "NAME", "PLATFORM", "SERIAL", "MODEL", "CONNECTED", "LAST SEEN"],
        all.map((d) => [d.id, d.name, d.platform, d.identifier, [d.manufacturer, d.model].filter(Boolean).join(" "), d.connected ? "yes" : "no", age(d.last_seen)]),
      ),
    );
  });

devices
  .command("show <id>")
  .description("show a device and its facts as a tree (unknowns marked)")
  .option("--json", "print the device as the REST API returns it")
  .action(async (id: string, o: { json?: boolean }) => {
    // Facet's full document: every unknown shown in place with its reason.
    const d = await client().getDevice(id, "facet");
    if (o.json) return printJson(d);
    print(
      [
        `id:           ${d.id}`,
        `name:         ${d.name ?? "-"}`,
        `platform:     ${d.platform ?? "-"}`,
        `serial:       ${d.identifier ?? "-"}`,
        `hardware:     ${[d.manufacturer, d.model].filter(Boolean).join(" ") || "-"}`,
        `connected:    ${d.connected ? "yes" : "no"}`,
        `last seen:    ${d.last_seen ?? "never"}${d.last_seen ? ` (${age(d.last_seen)})` : ""}`,
      ].join("\n"),
    );
    if (!d.cached_facts) return print("\nno facts received yet");
    const stale = Date.parse(d.cached_facts.expires) < Date.now();
    print(`facts from:   ${d.cached_facts.created}${stale ? "  (EXPIRED)" : ""}, expire ${d.cached_facts.expires}\n`);
    print(renderFactsTree(d.cached_facts.data as Record<string, unknown>, d.cached_facts.unknown));
  });

devices
  .command("refresh <id>")
  .description("ask the device's agent for fresh facts and wait for them")
  .option("--wait <seconds>", "how long to wait", positiveInt, 5)
  .option("--json", "print JSON")
  .action(async (id: string, o: { wait: number; json?: boolean }) => {
    const d = await client().refreshDevice(id, o.wait, "facet");
    if (o.json) return printJson(d);
    print(`fresh facts from ${d.cached_facts?.created ?? "?"}`);
  });

devices
  .command("revoke <id>")
  .description("revoke a device: its agent is disconnected and refused from now on")
  .option("--json", "print JSON")
  .action(async (id: string, o: { json?: boolean }) => {
    const r = await client().revokeDevice(id);
    if (o.json) return printJson(r);
    print(`revoked ${r.id} at ${r.revoked_at}${r.disconnected ? " (agent disconnected)" : ""}`);
  });

devices
  .command("assign <id>")
  .description("bind a device to a user: sign-ins by that user may then be judged on it")
  .requiredOption("--user <username>", "the user as the identity provider names them")
  .option("--json", "print JSON")
  .action(async (id: string, o: { user: string; json?: boolean }) => {
    const r = await client().assignUser(id, o.user);
    if (o.json) return printJson(r);
    print(r.bound === "now" ? `${r.device_id} is now bound to ${r.username}` : `${r.device_id} was already bound to ${r.username}`);
  });

devices
  .command("unassign <id>")
  .description("remove a user's binding to a device")
  .requiredOption("--user <username>")
  .option("--json", "print JSON")
  .action(async (id: string, o: { user: string; json?: boolean }) => {
    const r = await client().unassignUser(id, o.user);
    if (o.json) return printJson(r);
    print(`${r.device_id} is no longer bound to ${r.username}`);
  });

devices
  .command("users <id>")
  .description("who a device is bound to (and by whom), and which users it claims")
  .option("--json", "print JSON")
  .action(async (id: string, o: { json?: boolean }) => {
    const r = await client().deviceUsers(id);
    if (o.json) return printJson(r);
    if (r.bound.length === 0) print("bound to nobody: no sign-in can be judged on this device for a named user");
    for (const b of r.bound) print(`${b.username}\tbound by ${b.source} (${b.bound_by}) at ${b.bound_at}`);
    const claims = [r.claimed.console_user_at_enrollment, ...r.claimed.users_reported].filter((u): u is string => !!u);
    if (claims.length > 0) print(`claimed by the device (not used for verdicts): ${[...new Set(claims)].join(", ")}`);
  });

program
  .command("facts <id>")
  .description("print a device's cached facts")
  .option("--json", "print { data, unknown, created, expires } as JSON")
  .option("--authentik", "the facts as authentik reads them (unknowns left out) instead of Facet's full document")
  .action(async (id: string, o: { json?: boolean; authentik?: boolean }) => {
    const d = await client().getDevice(id, o.authentik ? "authentik" : "facet");
    if (o.json) return printJson(d.cached_facts);
    if (!d.cached_facts) return print("no facts received yet");
    print(renderFactsTree(d.cached_facts.data as Record<string, unknown>, d.cached_facts.unknown));
  });

const tokens = program.command("tokens").description("enrollment and API tokens");

tokens
  .command("create")
  .description("create an enrollment token (--enroll) or an API token (--api); the secret is shown once")
  .option("--enroll", "an enrollment token for agents (default)")
  .option("--api", "an API token for an auth server or admin")
  .option("--uses <n>", "enrollment: maximum number of devices", positiveInt)
  .option("--expires <duration>", "enrollment: lifetime, e.g. 7d, 12h", duration)
  .option("--label <label>", "enrollment: a label")
  .option("--user <username>", "enrollment: bind every device enrolled with it to this user")
  .option("--name <name>", "API: a name")
  .option("--scope <scope...>", "API: scopes (devices:read, endpoint:check, admin, …)")
  .option("--json", "print JSON")
  .action(async (o: { enroll?: boolean; api?: boolean; uses?: number; expires?: number; label?: string; user?: string; name?: string; scope?: string[]; json?: boolean }) => {
    if (o.enroll && o.api) throw new InvalidArgumentError("choose --enroll or --api");
    const api = client();
    if (o.api) {
      if (!o.name || !o.scope?.length) throw new InvalidArgumentError("--api needs --name and --scope");
      const t = await api.createApiToken({ name: o.name, scopes: o.scope as Scope[] });
      if (o.json) return printJson(t);
      return print(`API token ${t.id} (${t.scopes.join(", ")})\n${t.token}\nstore it now: it is not shown again`);
    }
    const t = await api.createEnrollToken({
      ...(o.label ? { label: o.label } : {}),
      ...(o.user ? { user: o.user } : {}),
      ...(o.uses ? { max_uses: o.uses } : {}),
      ...(o.expires ? { expires_in: Math.ceil(o.expires / 1000) } : {}),
    });
    if (o.json) return printJson(t);
    print(`enrollment token ${t.id} (${t.user ? `binds devices to ${t.user}, ` : ""}uses: ${t.max_uses ?? "unlimited"}, expires: ${t.expires_at ?? "never"})\n${t.token}`);
  });

tokens
  .command("ls")
  .description("list tokens (never their secrets)")
  .option("--json", "print JSON")
  .action(async (o: { json?: boolean }) => {
    const api = client();
    const [enroll, apiTokens] = await Promise.all([api.listEnrollTokens(), api.listApiTokens()]);
    if (o.json) return printJson({ enroll: enroll.tokens, api: apiTokens.tokens });
    print("enrollment tokens");
    print(renderTable(["ID", "LABEL", "STATE", "USES", "EXPIRES", "CREATED"], enroll.tokens.map((t) => [t.id, t.label, t.state, `${t.uses}/${t.max_uses ?? "∞"}`, t.expires_at ?? "never", t.created_at])));
    print("\nAPI tokens");
    print(renderTable(["ID", "NAME", "SCOPES", "STATE", "CREATED"], apiTokens.tokens.map((t) => [t.id, t.name, t.scopes.join(","), t.revoked_at ? "revoked" : "active", t.created_at])));
  });

tokens
  .command("revoke <id>")
  .description("revoke a token by id")
  .option("--api", "the id is an API token (default: enrollment token)")
  .action(async (id: string, o: { api?: boolean }) => {
    const api = client();
    await (o.api ? api.revokeApiToken(id) : api.revokeEnrollToken(id));
    print(`revoked ${id}`);
  });

program
  .command("events")
  .description("recent events: enrollments, snapshots accepted/rejected, revocations, tokens")
  .option("--type <type>", "exact types (comma-separated) or a prefix like device.*")
  .option("--since <when>", "ISO time or a duration ago (1h, 7d)", "24h")
  .option("--device <id>")
  .option("--limit <n>", "at most this many", positiveInt, 100)
  .option("--json", "print JSON")
  .action(async (o: { type?: string; since: string; device?: string; limit: number; json?: boolean }) => {
    const ago = parseDuration(o.since);
    const since = ago !== null ? new Date(Date.now() - ago).toISOString() : o.since;
    const { events } = await client().listEvents({ type: o.type, since, device: o.device, limit: o.limit });
    if (o.json) return printJson(events);
    if (events.length === 0) return print("no events");
    print(renderTable(["TIME", "TYPE", "DEVICE", "DETAIL"], events.map((e) => [e.at, e.type, e.device_id, JSON.stringify(e.data)])));
  });

registerPolicyCommands(program, client);
registerOsCatalogCommands(program, client);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ApiError) {
    process.stderr.write(`error: ${error.code}: ${error.message}\n`);
    process.exit(1);
  }
  if (error instanceof InvalidArgumentError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
