/**
 * `facet tokens create|ls|revoke`. An enrollment token takes --uses/--expires/--label, an API
 * token --name/--scope; an option of the other kind is refused, never silently ignored (an
 * "enrollment token with --scope admin" is a mistake worth hearing about). Without --uses or
 * --expires an enrollment token gets the connector's defaults (100 uses, 7 days, see
 * docs/protocol.md); `--uses unlimited` and `--expires never` ask for none, explicitly.
 */
import type { Command } from "commander";
import { SCOPES } from "../api/scopes.ts";
import type { Scope } from "../api/contract.ts";
import type { Cli } from "./cli-context.ts";
import { parseDuration } from "./config.ts";
import { note, print, printJson } from "./output.ts";
import { renderTable } from "./table.ts";
import { escapeControl } from "./terminal-safe.ts";
import { UsageError } from "./usage-error.ts";

/** "none" rather than null: commander turns an option parser's null into "". */
function uses(value: string): number | "none" {
  if (value === "unlimited") return "none";
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1_000_000) throw new UsageError(`--uses: "${value}" is not a number from 1 to 1000000 or "unlimited"`);
  return Number(value);
}

function expires(value: string): number | "none" {
  if (value === "never") return "none";
  const ms = parseDuration(value);
  if (ms === null || ms <= 0) throw new UsageError(`--expires: "${value}" is not a duration like 30m, 12h, 7d, or "never"`);
  return Math.ceil(ms / 1000);
}

interface CreateOptions {
  enroll?: boolean;
  api?: boolean;
  uses?: number | "none";
  expires?: number | "none";
  label?: string;
  user?: string;
  name?: string;
  scope?: string[];
  json?: boolean;
}

export function registerTokenCommands(program: Command, cli: Cli): void {
  const tokens = program.command("tokens").description("enrollment and API tokens");

  tokens
    .command("create")
    .description("create an enrollment token (--enroll, the default) or an API token (--api); the secret is shown once")
    .option("--enroll", "an enrollment token for agents (default)")
    .option("--api", "an API token for an auth server or an admin")
    .option("--uses <n>", 'enrollment: how many devices may enroll with it, or "unlimited" (default 100)', uses)
    .option("--expires <duration>", 'enrollment: lifetime like 12h, 7d, or "never" (default 7d)', expires)
    .option("--label <label>", "enrollment: a label")
    .option("--user <username>", "enrollment: bind every device enrolled with it to this user")
    .option("--name <name>", "API: a name (default: the scopes and today's date)")
    .option("--scope <scope...>", `API: scopes (${SCOPES.join(", ")})`)
    .option("--json", "print JSON")
    .action(async (o: CreateOptions) => {
      if (o.enroll && o.api) throw new UsageError("choose --enroll or --api, not both");
      const api = (await cli.client());
      if (o.api) {
        const misplaced = (["uses", "expires", "label", "user"] as const).filter((k) => o[k] !== undefined);
        if (misplaced.length) throw new UsageError(`${misplaced.map((k) => `--${k}`).join(", ")} ${misplaced.length > 1 ? "are" : "is"} for enrollment tokens, not API tokens`);
        if (!o.scope?.length) throw new UsageError(`--api needs --scope (${SCOPES.join(", ")})`);
        const unknown = o.scope.filter((s) => !(SCOPES as readonly string[]).includes(s));
        if (unknown.length) throw new UsageError(`unknown scope ${unknown.join(", ")}: choose from ${SCOPES.join(", ")}`);
        const name = o.name ?? `${o.scope.join(" ")} (${new Date().toISOString().slice(0, 10)})`;
        const t = await api.createApiToken({ name, scopes: o.scope as Scope[] });
        if (o.json) return printJson(t);
        print(`API token ${t.id} "${escapeControl(t.name)}" (${t.scopes.join(", ")})`);
        print(t.token);
        return note("store it now: it is not shown again", "yellow");
      }
      const misplaced = (["name", "scope"] as const).filter((k) => o[k] !== undefined);
      if (misplaced.length) throw new UsageError(`${misplaced.map((k) => `--${k}`).join(", ")} ${misplaced.length > 1 ? "are" : "is"} for API tokens (--api); an enrollment token has no scopes`);
      const t = await api.createEnrollToken({
        ...(o.label ? { label: o.label } : {}),
        ...(o.user ? { user: o.user } : {}),
        ...(o.uses !== undefined ? { max_uses: o.uses === "none" ? null : o.uses } : {}),
        ...(o.expires !== undefined ? { expires_in: o.expires === "none" ? null : o.expires } : {}),
      });
      if (o.json) return printJson(t);
      print(`enrollment token ${t.id} (${t.user ? `binds devices to ${escapeControl(t.user)}, ` : ""}uses: ${t.max_uses ?? "unlimited"}, expires: ${t.expires_at ?? "never"})`);
      print(t.token);
    });

  tokens
    .command("ls")
    .description("list tokens (never their secrets)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const api = (await cli.client());
      const [enroll, apiTokens] = await Promise.all([api.listEnrollTokens(), api.listApiTokens()]);
      if (o.json) return printJson({ enroll: enroll.tokens, api: apiTokens.tokens });
      const state = (s: string) => (s === "active" ? { text: s, style: ["green" as const] } : { text: s, style: ["dim" as const] });
      print("enrollment tokens");
      print(renderTable(["ID", "LABEL", "STATE", "USES", "EXPIRES", "CREATED"], enroll.tokens.map((t) => [t.id, t.label, state(t.state), `${t.uses}/${t.max_uses ?? "∞"}`, t.expires_at ?? "never", t.created_at])));
      print("\nAPI tokens");
      print(renderTable(["ID", "NAME", "SCOPES", "STATE", "CREATED"], apiTokens.tokens.map((t) => [t.id, t.name, t.scopes.join(","), state(t.revoked_at ? "revoked" : "active"), t.created_at])));
    });

  tokens
    .command("revoke <id>")
    .description("revoke a token by id")
    .option("--api", "the id is an API token (default: enrollment token)")
    .action(async (id: string, o: { api?: boolean }) => {
      const api = (await cli.client());
      await (o.api ? api.revokeApiToken(id) : api.revokeEnrollToken(id));
      print(`revoked ${escapeControl(id)}`);
    });
}
