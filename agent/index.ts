/**
 * The agent as a library, for the service installer, unattended (MDM) enrollment and the demo:
 *
 *   import { enroll, isEnrolled, resolveStateDir, runAgent, createLogger } from "./agent/index.ts";
 *   const stateDir = resolveStateDir();
 *   if (!isEnrolled(stateDir)) await enroll({ url, token, stateDir });
 *   await runAgent({ stateDir, signal, logger: createLogger() });
 */
export { enroll, isEnrolled, parseConnectorUrl, type EnrollOptions, type EnrollResult } from "./identity/enroll.ts";
export { resolveStateDir, defaultStateDir, ensureStateDir, statePaths, currentContext, STATE_FILES, type StateDirContext } from "./identity/state-dir.ts";
export { checkKeyFilePermissions, loadKeyPair, type KeyFileCheck } from "./identity/key-file.ts";
export { readStateFile, StateStore, type DeviceState } from "./identity/state-file.ts";
export { writeFileAtomic } from "./identity/atomic-write.ts";
export { runAgent, agentSocketUrl, type RunAgentOptions } from "./transport/agent-loop.ts";
export type { SessionEvent } from "./transport/session.ts";
export { backoffDelay, backoffCeiling } from "./transport/backoff.ts";
export { readAgentStatus, formatStatus, type AgentStatus } from "./cli/commands/status.ts";
export { AgentError, EXIT_DEVICE_REJECTED, type AgentErrorCode } from "./errors.ts";
export { createLogger, silentLogger, type Logger } from "./log.ts";
export { AGENT_VERSION } from "./version.ts";
export { readDeviceCertificate, deviceCertificatePaths, DEVICE_CERT_FILES, type DeviceCertificateFiles } from "./certificate/files.ts";
export { noopInstaller, type CertificateInstaller } from "./certificate/install.ts";
export { DeviceCertificateKeeper, type IssuedDeviceCertificate } from "./certificate/keeper.ts";
