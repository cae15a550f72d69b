/**
 * Unattended enrollment for IT deployment: an MDM tool (Jamf, Intune) or a provisioning script
 * drops a config file at the documented path for the OS (layout.ts) and/or sets env vars, then
 * starts the service. On first start the agent enrolls from them and removes the enrollment token
 * from the file, so a one-time secret does not sit on disk after it has been used.
 *
 *   { "url": "https://facet.example.com:8443", "enrollToken": "…", "caFile": "/etc/facet-agent/ca.pem" }
 *
 * `"insecure": true` allows an http:// url to another host (the token crosses the network in
 * clear), as `enroll --insecure` does; without it such a url is refused.
 *
 * Env vars override the file: FACET_URL, FACET_ENROLL_TOKEN, FACET_CA_FILE, FACET_USERNAME;
 * FACET_CONFIG names another config file. The file is untrusted input: it is parsed with zod and a
 * bad one stops the agent with the path and what is wrong, rather than being half-used.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { AgentError } from "../errors.ts";
import { writeFileAtomic } from "../identity/atomic-write.ts";
import { enroll, isEnrolled, type EnrollOptions, type EnrollResult } from "../identity/enroll.ts";
import { silentLogger, type Logger } from "../log.ts";

export const UnattendedConfigSchema = z.strictObject({
  url: z.string().max(2048).optional(),
  enrollToken: z.string().min(8).max(256).optional(),
  caFile: z.string().max(4096).optional(),
  username: z.string().max(256).optional(),
  insecure: z.boolean().optional(),
});
export type UnattendedConfig = z.infer<typeof UnattendedConfigSchema>;

/** Reads the config file; undefined if there is none. Throws config_invalid naming the file. */
export function readUnattendedConfig(file: string): UnattendedConfig | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AgentError("config_invalid", `cannot read ${file}: ${(err as Error).message}`);
  }
  if (text.length > 64 * 1024) throw new AgentError("config_invalid", `${file} is larger than 64 KiB; it is not a Facet agent config`);
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, "")); // PowerShell's Set-Content -Encoding UTF8 writes a BOM
  } catch (err) {
    throw new AgentError("config_invalid", `${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = UnattendedConfigSchema.safeParse(raw);
  if (!parsed.success) throw new AgentError("config_invalid", `${file} is invalid: ${z.prettifyError(parsed.error).replace(/\n/g, "; ")}`);
  return parsed.data;
}

/** The file's settings with env vars on top. */
export function mergeEnv(config: UnattendedConfig | undefined, env: NodeJS.ProcessEnv): UnattendedConfig {
  const merged: UnattendedConfig = { ...config };
  if (env.FACET_URL) merged.url = env.FACET_URL;
  if (env.FACET_ENROLL_TOKEN) merged.enrollToken = env.FACET_ENROLL_TOKEN;
  if (env.FACET_CA_FILE) merged.caFile = env.FACET_CA_FILE;
  if (env.FACET_USERNAME) merged.username = env.FACET_USERNAME;
  return merged;
}

/** Rewrites the file without `enrollToken` (atomically, 0600), keeping every other setting. */
export function removeTokenFromFile(file: string, config: UnattendedConfig): void {
  const { enrollToken: _used, ...rest } = config;
  writeFileAtomic(file, JSON.stringify(rest, null, 2) + "\n", 0o600);
}

export type UnattendedOutcome =
  | { action: "enrolled"; result: EnrollResult; tokenRemovedFrom?: string }
  | { action: "already-enrolled"; tokenRemovedFrom?: string }
  | { action: "not-configured" };

export interface UnattendedOptions {
  stateDir: string;
  /** Omitted when only env vars configure enrollment. */
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** `run --insecure`: as `"insecure": true` in the file. */
  insecure?: boolean;
  /** Injected in tests; the real enroll() otherwise. */
  enrollFn?: (o: EnrollOptions) => Promise<EnrollResult>;
}

/**
 * Enrolls from the config file and env when the device is not enrolled yet, then removes the token
 * from the file. A token left in the file of an already enrolled device is removed too.
 */
export async function enrollUnattended(o: UnattendedOptions): Promise<UnattendedOutcome> {
  const log = o.logger ?? silentLogger();
  const fileConfig = o.configPath !== undefined ? readUnattendedConfig(o.configPath) : undefined;
  const scrub = (): string | undefined => {
    if (o.configPath === undefined || fileConfig?.enrollToken === undefined) return undefined;
    removeTokenFromFile(o.configPath, fileConfig);
    log.info({ config: o.configPath }, "removed the enrollment token from the config file");
    return o.configPath;
  };
  if (isEnrolled(o.stateDir)) {
    return { action: "already-enrolled", ...optional("tokenRemovedFrom", scrub()) };
  }
  const config = mergeEnv(fileConfig, o.env ?? process.env);
  if (config.url === undefined && config.enrollToken === undefined) return { action: "not-configured" };
  if (config.url === undefined || config.enrollToken === undefined) {
    const missing = config.url === undefined ? "url (FACET_URL)" : "enrollToken (FACET_ENROLL_TOKEN)";
    throw new AgentError("config_invalid", `unattended enrollment needs both url and enrollToken; ${missing} is missing (config ${o.configPath ?? "none; env only"})`);
  }
  log.info({ url: config.url, config: o.configPath }, "not enrolled yet: enrolling from the deployment config");
  const result = await (o.enrollFn ?? enroll)({
    url: config.url,
    token: config.enrollToken,
    stateDir: o.stateDir,
    logger: log,
    ...(config.caFile !== undefined ? { caFile: config.caFile } : {}),
    ...(config.username !== undefined ? { username: config.username } : {}),
    ...(o.insecure || config.insecure === true ? { insecure: true } : {}),
  });
  return { action: "enrolled", result, ...optional("tokenRemovedFrom", scrub()) };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * Which config file `run` reads: FACET_CONFIG if set, else the documented path for the OS when the
 * agent runs as the machine's agent (root, or Windows where the service is SYSTEM). A developer
 * running `facet-agent run` unprivileged does not read, or rewrite, the machine's file.
 */
export function unattendedConfigPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, isRoot: boolean, systemPath: string | undefined): string | undefined {
  if (env.FACET_CONFIG) return env.FACET_CONFIG;
  return isRoot || platform === "win32" ? systemPath : undefined;
}
