/**
 * `facet policies ls|show|create -f|replace -f|rm` and `facet devices compliance <id>` (the OS
 * release catalog's commands are in os-catalog.ts). Policy files are validated locally with the
 * contract's own parser first (api/policies.ts), so every issue is listed at once, before anything
 * is sent.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { print, printJson } from "./output.ts";
import type { Cli } from "./cli-context.ts";
import { renderTable, type Cell } from "./table.ts";
import { UsageError } from "./usage-error.ts";

type Json = Record<string, any>;


/** Reads a JSON file (or `-` for stdin): a clear error for a missing file or bad JSON. */
function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The contract's parser, loaded when a file is checked (zod and CEL are most of a start-up). */
async function validPolicyFile(path: string): Promise<unknown> {
  const body = readJsonFile(path);
  const { parsePolicyBody } = await import("../api/policies.ts");
  const parsed = parsePolicyBody(body);
  if (!parsed.ok) throw new UsageError([`${path}: ${parsed.code === "unsupported_platform" ? parsed.message : "invalid policy"}`, ...parsed.issues.map((i) => `  ${i.path}: ${i.message}`)].join("\n"));
  return body;
}

/** Human "3d 4h" for the time left until an ISO date. */
export function timeLeft(iso: string | null, now = Date.now()): string {
  if (!iso) return "-";
  const ms = Date.parse(iso) - now;
  if (ms <= 0) return "expired";
  const h = Math.floor(ms / 3_600_000);
  return h >= 24 ? `${Math.floor(h / 24)}d ${h % 24}h` : h >= 1 ? `${h}h ${Math.floor((ms % 3_600_000) / 60_000)}m` : `${Math.ceil(ms / 60_000)}m`;
}

function short(value: unknown, max = 48): string {
  if (value === null || value === undefined) return "unknown";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function policySummary(p: Json): string {
  const parts = Object.keys(p).filter((k) => !["id", "name", "platform", "version", "createdDate", "lastUpdate", "_links"].includes(k));
  return parts.join(", ");
}

function statusCell(status: string): Cell {
  const colour = status === "PASS" ? "green" : status === "FAIL" ? "red" : "yellow";
  return { text: status, style: [colour] };
}

export function renderCompliance(result: Json, now = Date.now()): string {
  const out: string[] = [`device ${result.deviceId}: ${result.result}${result.passing ? " (passing)" : " (not passing)"}, facts ${result.factsAge === null ? "never reported" : `${result.factsAge}s old`}`];
  for (const p of result.policies as Json[]) {
    out.push("", `${p.name} [${p.policyId}] ${p.platform}: ${p.applicable ? p.result : "not applicable"}`);
    if (!p.applicable) continue;
    out.push(
      renderTable(
        ["CHECK", "STATUS", "OBSERVED", "EXPECTED", "GRACE LEFT", "MESSAGE"],
        (p.checks as Json[]).map((c): Cell[] => [c.check, statusCell(c.status), short(c.observed), short(c.expected), c.status === "FAIL" ? timeLeft(c.graceUntil, now) : "-", c.message ? short(c.message, 80) : ""]),
      ),
    );
  }
  return out.join("\n");
}

export function registerPolicyCommands(program: Command, cli: Cli): void {
  const client = () => cli.client();
  const policies = program.command("policies").description("device assurance policies (Okta's JSON shape)");

  policies
    .command("ls")
    .description("list policies")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const list = await (await client()).request<Json[]>("GET", "/v1/device-assurances");
      if (o.json) return printJson(list);
      if (list.length === 0) return print("no policies");
      print(renderTable(["ID", "NAME", "PLATFORM", "VERSION", "UPDATED", "REQUIRES"], list.map((p) => [p.id, p.name, p.platform, p.version, p.lastUpdate, policySummary(p)])));
    });

  policies
    .command("show <id>")
    .description("print a policy as JSON")
    .action(async (id: string) => printJson(await (await client()).request("GET", `/v1/device-assurances/${encodeURIComponent(id)}`)));

  policies
    .command("create")
    .description("create a policy from a JSON file")
    .requiredOption("-f, --file <path>", "policy JSON (- for stdin)")
    .option("--json", "print the created policy as JSON")
    .action(async (o: { file: string; json?: boolean }) => {
      const created = await (await client()).request<Json>("POST", "/v1/device-assurances", undefined, await validPolicyFile(o.file));
      if (o.json) return printJson(created);
      print(`created ${created.id} (${created.name}, ${created.platform})`);
    });

  policies
    .command("replace <id>")
    .description("replace a policy entirely with the JSON file's content")
    .requiredOption("-f, --file <path>", "policy JSON (- for stdin)")
    .option("--json", "print the new policy as JSON")
    .action(async (id: string, o: { file: string; json?: boolean }) => {
      const replaced = await (await client()).request<Json>("PUT", `/v1/device-assurances/${encodeURIComponent(id)}`, undefined, await validPolicyFile(o.file));
      if (o.json) return printJson(replaced);
      print(`replaced ${replaced.id}: now version ${replaced.version}`);
    });

  policies
    .command("rm <id>")
    .description("delete a policy and its compliance state")
    .action(async (id: string) => {
      await (await client()).request("DELETE", `/v1/device-assurances/${encodeURIComponent(id)}`);
      print(`deleted ${id}`);
    });

  const devices = program.commands.find((c) => c.name() === "devices") ?? program.command("devices");
  devices
    .command("compliance <id>")
    .description("evaluate a device now: each check with observed vs expected and grace left")
    .option("--policy <id...>", "only these policies (default: all)")
    .option("--json", "print JSON")
    .action(async (id: string, o: { policy?: string[]; json?: boolean }) => {
      const result = await (await client()).request<Json>("POST", `/v1/devices/${encodeURIComponent(id)}/evaluate`, undefined, o.policy ? { policies: o.policy } : {});
      if (o.json) return printJson(result);
      // Grace left is counted from the connector's clock at evaluation, not this machine's.
      print(renderCompliance(result, Date.parse(result.evaluatedAt)));
    });
}
