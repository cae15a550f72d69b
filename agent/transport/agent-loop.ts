/**
 * The long-lived agent: open a session, and when it ends reconnect after a backoff delay, until
 * the signal aborts (SIGINT/SIGTERM) or the connector rejects the device for good.
 *
 * @example
 *   const ac = new AbortController();
 *   process.once("SIGTERM", () => ac.abort());
 *   await runAgent({ stateDir: resolveStateDir(), signal: ac.signal, logger: createLogger() });
 */
import { withDeviceCertificateFacts } from "../certificate/facts.ts";
import type { CertificateInstaller } from "../certificate/install.ts";
import { DeviceCertificateKeeper, type IssuedDeviceCertificate } from "../certificate/keeper.ts";
import { collectFacts } from "../collectors/index.ts";
import type { Collected } from "../collectors/types.ts";
import { AgentError } from "../errors.ts";
import { isCleartextToAnotherHost } from "../identity/enroll.ts";
import { loadKeyPair } from "../identity/key-file.ts";
import { statePaths } from "../identity/state-dir.ts";
import { StateStore } from "../identity/state-file.ts";
import { silentLogger, type Logger } from "../log.ts";
import { PendingSlot } from "../snapshot/pending.ts";
import { FamilyBaseline } from "../snapshot/baseline.ts";
import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import { runSession, type SessionEvent } from "./session.ts";
import { readCaFile } from "./tls.ts";

export interface RunAgentOptions {
  stateDir: string;
  signal: AbortSignal;
  logger?: Logger;
  /**
   * Allow ws:// to a host other than this one although enrollment did not record `--insecure`
   * (state written by an older agent, or edited by hand). Default false.
   */
  insecure?: boolean;
  /** PEM file for `wss://`; defaults to the one remembered at enrollment. */
  caFile?: string;
  /** Facts source; the real collectors by default, with the device certificate's install record added. */
  collect?: () => Promise<Collected>;
  backoff?: BackoffOptions;
  heartbeatMs?: number;
  handshakeTimeoutMs?: number;
  /** A session must stay up this long after welcome before the backoff resets. Default 60 s. */
  stableAfterMs?: number;
  onEvent?: (event: SessionEvent) => void;
  /**
   * The device certificate (agent/certificate/keeper.ts): asked for after each welcome when missing
   * or past half-life, kept in the state dir. `false` turns it off.
   */
  deviceCertificate?:
    | false
    | {
        /** Puts each new certificate where browsers look; default none (install.ts). */
        installer?: CertificateInstaller;
        onCertificate?: (issued: IssuedDeviceCertificate) => void;
        /** Clock for renewal decisions (epoch ms); tests move it past half-life. */
        now?: () => number;
      };
}

/** Resolves on shutdown; rejects with an AgentError when the device is revoked or unknown. */
export async function runAgent(options: RunAgentOptions): Promise<void> {
  const log = options.logger ?? silentLogger();
  const paths = statePaths(options.stateDir);
  const state = StateStore.open(paths.state);
  const url = agentSocketUrl(state.current.connectorUrl, state.current.agentPath);
  refuseCleartextSocket(url, state.current, { insecure: options.insecure ?? false, stateFile: paths.state });
  const keyPair = loadKeyPair(paths.key);
  const caFile = options.caFile ?? state.current.caFile;
  const ca = caFile !== undefined ? readCaFile(caFile) : undefined;
  const stableAfterMs = options.stableAfterMs ?? 60_000;
  const collect = options.collect ?? withDeviceCertificateFacts(collectFacts, options.stateDir);
  const certOptions = options.deviceCertificate;
  const certificates =
    certOptions === false
      ? undefined
      : new DeviceCertificateKeeper({
          stateDir: options.stateDir,
          deviceId: state.current.deviceId,
          log,
          ...(certOptions?.installer !== undefined ? { installer: certOptions.installer } : {}),
          ...(certOptions?.onCertificate !== undefined ? { onCertificate: certOptions.onCertificate } : {}),
          ...(certOptions?.now !== undefined ? { now: certOptions.now } : {}),
        });

  const pending = new PendingSlot(paths.pending, state.current.deviceId, log);
  const baseline = new FamilyBaseline();

  let attempt = 0;
  while (!options.signal.aborted) {
    const started = Date.now();
    const outcome = await runSession({
      url,
      ...(ca !== undefined ? { ca } : {}),
      state,
      keyPair,
      pending,
      baseline,
      collect,
      log,
      signal: options.signal,
      ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
      ...(options.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: options.handshakeTimeoutMs } : {}),
      ...(options.onEvent !== undefined ? { onEvent: options.onEvent } : {}),
      ...(certificates !== undefined ? { certificates } : {}),
    });
    if (outcome.kind === "aborted") break;
    if (outcome.kind === "fatal") throw outcome.error;
    // A connector that welcomes and then drops at once must not get a tight reconnect loop.
    if (outcome.welcomed && Date.now() - started >= stableAfterMs) attempt = 0;
    const delay = backoffDelay(attempt, options.backoff);
    attempt += 1;
    log.info({ reason: outcome.reason, retryInMs: delay, attempt }, "disconnected; reconnecting");
    await sleep(delay, options.signal);
  }
  log.info("agent stopped");
}

/**
 * ws:// to another host sends every snapshot in clear. `enroll` refuses http:// to another host
 * without --insecure and records that it was given; a stored URL without that record (an older
 * agent's state, a hand edit) is refused here too, unless --insecure is given to `run`.
 */
export function refuseCleartextSocket(socketUrl: string, state: { connectorUrl: string; insecure?: true }, o: { insecure: boolean; stateFile: string }): void {
  const url = new URL(socketUrl);
  if (!isCleartextToAnotherHost(url) || state.insecure === true || o.insecure) return;
  throw new AgentError(
    "config_invalid",
    `refusing ws:// to ${url.hostname}: the connector URL in ${o.stateFile} is ${state.connectorUrl}, so this device's facts would cross the network unencrypted; re-enroll with https:// (or pass --insecure if this network is trusted)`,
  );
}

/** `http://h:p` + `/v1/agent` → `ws://h:p/v1/agent` (`https` → `wss`). */
export function agentSocketUrl(connectorUrl: string, agentPath: string): string {
  const url = new URL(connectorUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.pathname = agentPath;
  return url.href;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
