/**
 * `facet login` and `facet contexts ls|use|rm`: connectors saved by name with their URL, token and
 * CA (config.ts), like `gh auth login` or kubeconfig contexts. `login` checks the token against
 * the connector (GET /v1/whoami) before saving it, so a typo is found now, not at 3 a.m.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { FacetClient } from "./client.ts";
import { CONTEXT_NAME, configPath, readConfig, writeConfig } from "./config.ts";
import { note, print, printJson, style } from "./output.ts";
import type { Cli } from "./cli-context.ts";
import { renderTable } from "./table.ts";
import { UsageError } from "./usage-error.ts";

/** A token piped on stdin (`facet login <url> < token-file`): never on the command line, where `ps` shows it. */
function tokenFromStdin(): string {
  if (process.stdin.isTTY) throw new UsageError("pass the token on stdin (facet login <url> < token-file) or with --token");
  const token = readFileSync(0, "utf8").trim();
  if (!token) throw new UsageError("no token on stdin");
  return token;
}

export function registerContextCommands(program: Command, cli: Cli): void {
  program
    .command("login <url>")
    .description("save a connector (URL, token, CA) as a named context and make it the current one")
    .option("--name <context>", "the context's name", "default")
    .addHelpText("after", "\nThe token is read from stdin unless --token gives it; --ca is saved with the context:\n  facet --ca ca.pem login https://facet.example.com --name prod < token-file")
    .action(async (target: string, o: { name: string }) => {
      if (!CONTEXT_NAME.test(o.name)) throw new UsageError(`--name: "${o.name}" is not a context name (letters, digits, . _ -)`);
      let url: URL;
      try {
        url = new URL(target);
        if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
      } catch {
        throw new UsageError(`"${target}" is not an http:// or https:// URL`);
      }
      const globals = cli.globals();
      const token = globals.token ?? tokenFromStdin();
      const caPath = globals.ca ? resolve(globals.ca) : undefined;
      const ca = caPath ? readFileSync(caPath) : undefined;
      const base = url.origin + url.pathname.replace(/\/+$/, "");
      const me = await new FacetClient({ url: base, token, ...(ca ? { ca } : {}) }).whoami();
      const path = configPath();
      const config = await readConfig(path);
      config.contexts[o.name] = { url: base, token, ...(caPath ? { ca: caPath } : {}) };
      config.current = o.name;
      writeConfig(config, path);
      print(`logged in to ${base} as "${me.name}" (${me.scopes.join(", ")}); context ${o.name} saved in ${path} and now current`);
    });

  const contexts = program.command("contexts").description("saved connectors: list, switch, remove");

  contexts
    .command("ls")
    .description("list saved contexts (never their tokens)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const config = await readConfig();
      const rows = Object.entries(config.contexts).map(([name, c]) => ({ name, url: c.url, ca: c.ca ?? null, current: name === config.current }));
      if (o.json) return printJson(rows);
      if (rows.length === 0) return print("no contexts: facet login <url> saves one");
      print(renderTable(["CURRENT", "NAME", "URL", "CA"], rows.map((r) => [r.current ? { text: "*", style: ["green"] } : "", r.name, r.url, r.ca])));
    });

  contexts
    .command("use <name>")
    .description("make a saved context the current one")
    .action(async (name: string) => {
      const config = await readConfig();
      if (!config.contexts[name]) throw new UsageError(`no context named "${name}" (facet contexts ls lists them)`);
      config.current = name;
      writeConfig(config);
      print(`now using ${style(name, "bold")} (${config.contexts[name]!.url})`);
    });

  contexts
    .command("rm <name>")
    .description("forget a saved context and its token")
    .action(async (name: string) => {
      const config = await readConfig();
      if (!config.contexts[name]) throw new UsageError(`no context named "${name}" (facet contexts ls lists them)`);
      delete config.contexts[name];
      if (config.current === name) config.current = null;
      writeConfig(config);
      print(`removed ${name}`);
      if (config.current === null && Object.keys(config.contexts).length > 0) note("no current context now: facet contexts use <name>");
    });
}
