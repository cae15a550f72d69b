/**
 * Enrollment: create the device key, prove possession of it to the connector with a one-time
 * enrollment token, and record the device id the connector assigns.
 *
 * The key is written (0600) before the request is sent, under a temporary name, and promoted only
 * when the connector has accepted it, so a failed or repeated enrollment never destroys a working
 * identity and a successful one never lacks its key.
 *
 * @example
 *   const { deviceId } = await enroll({ url: "https://facet.example:8443", token, stateDir: resolveStateDir() });
 */
import os from "node:os";
import { existsSync, renameSync, rmSync } from "node:fs";
import { z } from "zod";
import { EnrollRequestSchema, EnrollResponseSchema, type EnrollRequest } from "../../shared/protocol/enroll.ts";
import { canonicalBytes } from "../../shared/signing/canonical.ts";
import { generateKeyPair, sign } from "../../shared/signing/sign.ts";
import { AgentError } from "../errors.ts";
import { silentLogger, type Logger } from "../log.ts";
import { postJson } from "../transport/post-json.ts";
import { readCaFile } from "../transport/tls.ts";
import { AGENT_VERSION } from "../version.ts";
import { consoleUsername } from "./console-user.ts";
import { saveKeyPair } from "./key-file.ts";
import { ensureStateDir, statePaths } from "./state-dir.ts";
import { readStateFile, StateStore } from "./state-file.ts";

export interface EnrollOptions {
  /** Connector base URL, `http(s)://host:port[/prefix]`. */
  url: string;
  token: string;
  stateDir: string;
  /** PEM file to trust for the connector's TLS certificate; remembered for `run`. */
  caFile?: string;
  /** Overrides the detected console user (MDM scripts know who the device is for). */
  username?: string;
  hostname?: string;
  /** Replace an existing enrollment. Without it, enrolling twice is refused. */
  force?: boolean;
  /** Allow http:// to a host other than this one (the token then crosses the network in clear). */
  insecure?: boolean;
  timeoutMs?: number;
  logger?: Logger;
}

export interface EnrollResult {
  deviceId: string;
  connectorUrl: string;
  stateDir: string;
}

export async function enroll(options: EnrollOptions): Promise<EnrollResult> {
  const log = options.logger ?? silentLogger();
  const base = parseConnectorUrl(options.url, { insecure: options.insecure ?? false });
  const paths = statePaths(options.stateDir);

  if (!options.force && existsSync(paths.state)) {
    const existing = readStateFileQuietly(paths.state);
    throw new AgentError(
      "already_enrolled",
      `this device is already enrolled${existing ? ` as ${existing.deviceId} with ${existing.connectorUrl}` : ""} (state in ${options.stateDir}). Use --force to replace that enrollment.`,
    );
  }
  ensureStateDir(options.stateDir);
  const ca = options.caFile !== undefined ? readCaFile(options.caFile) : undefined;

  const pair = generateKeyPair();
  const publicKey = Buffer.from(pair.publicKey).toString("base64");
  const proof = sign("enroll", canonicalBytes({ publicKey, token: options.token }), pair.secretKey).toString("base64");
  const username = options.username ?? (await consoleUsername());
  const request = EnrollRequestSchema.safeParse({
    token: options.token,
    publicKey,
    signature: proof,
    hostname: (options.hostname ?? os.hostname()).slice(0, 255),
    platform: process.platform,
    ...(username !== undefined ? { username } : {}),
    agentVersion: AGENT_VERSION,
  } satisfies EnrollRequest);
  if (!request.success) {
    throw new AgentError("enroll_failed", `cannot enroll: ${z.prettifyError(request.error).replace(/\n/g, "; ")}`);
  }

  const pendingKey = `${paths.key}.new`;
  saveKeyPair(pendingKey, pair);
  try {
    const endpoint = new URL("v1/enroll", withTrailingSlash(base));
    log.info({ url: endpoint.origin + endpoint.pathname, hostname: request.data.hostname, username }, "enrolling");
    let res;
    try {
      res = await postJson(endpoint, request.data, { ...(ca !== undefined ? { ca } : {}), timeoutMs: options.timeoutMs ?? 15_000 });
    } catch (err) {
      throw new AgentError("enroll_failed", `cannot reach the connector at ${base.origin}: ${(err as Error).message}`, 1, { cause: err });
    }
    if (res.status < 200 || res.status >= 300) {
      throw new AgentError("enroll_failed", `the connector refused enrollment (HTTP ${res.status}): ${describeErrorBody(res.body, res.text)}`);
    }
    const parsed = EnrollResponseSchema.safeParse(res.body);
    if (!parsed.success) {
      throw new AgentError("enroll_failed", `the connector's enroll response is not valid: ${z.prettifyError(parsed.error).replace(/\n/g, "; ")}`);
    }
    renameSync(pendingKey, paths.key);
    // A previous enrollment's unacknowledged snapshot belongs to another device id.
    rmSync(paths.pending, { force: true });
    const connectorUrl = base.href.replace(/\/$/, "");
    StateStore.create(paths.state, {
      v: 1,
      deviceId: parsed.data.deviceId,
      connectorUrl,
      agentPath: joinAgentPath(base, parsed.data.agentPath),
      publicKey,
      enrolledAt: new Date().toISOString(),
      seq: 0,
      // parseConnectorUrl let cleartext to another host through, so --insecure was given: `run` needs to know.
      ...(isCleartextToAnotherHost(base) ? { insecure: true as const } : {}),
      ...(options.caFile !== undefined ? { caFile: options.caFile } : {}),
    });
    log.info({ deviceId: parsed.data.deviceId, stateDir: options.stateDir }, "enrolled");
    return { deviceId: parsed.data.deviceId, connectorUrl, stateDir: options.stateDir };
  } finally {
    rmSync(pendingKey, { force: true });
  }
}

/** True when the state directory holds an enrollment (for unattended first-start enrollment). */
export function isEnrolled(stateDir: string): boolean {
  const paths = statePaths(stateDir);
  return existsSync(paths.state) && existsSync(paths.key);
}

/** Loopback hosts, where http:// never leaves this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** http:// or ws:// to a host other than this one: what crosses the network unencrypted. */
export function isCleartextToAnotherHost(url: URL): boolean {
  return (url.protocol === "http:" || url.protocol === "ws:") && !isLoopbackHost(url.hostname);
}

/**
 * http:// to another host sends the enrollment token, and later every snapshot, in clear over the
 * network: refused unless the operator says the network is trusted (--insecure).
 */
export function refuseCleartext(url: URL, insecure: boolean): void {
  if (isCleartextToAnotherHost(url) && !insecure) {
    throw new AgentError(
      "config_invalid",
      `refusing http:// to ${url.hostname}: the enrollment token and this device's facts would cross the network unencrypted; use https:// (or --insecure if this network is trusted)`,
    );
  }
}

export function parseConnectorUrl(url: string, options: { insecure?: boolean } = {}): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AgentError("config_invalid", `connector URL ${JSON.stringify(url)} is not a URL (expected https://host:port)`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new AgentError("config_invalid", `connector URL must start with https:// (or http:// for local testing), got ${parsed.protocol}`);
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new AgentError("config_invalid", "connector URL must not carry credentials, a query or a fragment");
  }
  refuseCleartext(parsed, options.insecure ?? false);
  return parsed;
}

function withTrailingSlash(url: URL): URL {
  const copy = new URL(url.href);
  if (!copy.pathname.endsWith("/")) copy.pathname += "/";
  return copy;
}

/** The agent path is relative to the connector URL, so a connector behind a path prefix still works. */
function joinAgentPath(base: URL, agentPath: string): string {
  const prefix = base.pathname.replace(/\/+$/, "");
  const path = agentPath.startsWith("/") ? agentPath : `/${agentPath}`;
  return `${prefix}${path}`;
}

function describeErrorBody(body: unknown, text: string): string {
  if (body && typeof body === "object") {
    // The connector answers `{ error: { code, message } }`; a proxy in front may answer flat.
    const outer = body as Record<string, unknown>;
    const b = (outer.error && typeof outer.error === "object" ? outer.error : outer) as Record<string, unknown>;
    const code = typeof b.code === "string" ? b.code : typeof b.error === "string" ? b.error : undefined;
    const message = typeof b.message === "string" ? b.message : undefined;
    if (code || message) return [code, message].filter(Boolean).join(": ").slice(0, 500);
  }
  return text.slice(0, 200) || "(empty body)";
}

function readStateFileQuietly(file: string) {
  try {
    return readStateFile(file);
  } catch {
    return undefined;
  }
}
