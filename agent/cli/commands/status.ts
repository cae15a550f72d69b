/** `facet-agent status [--json]`: enrollment, identity and health of the local agent state. */
import { existsSync } from "node:fs";
import { Command } from "commander";
import { AgentError } from "../../errors.ts";
import { checkKeyFilePermissions } from "../../identity/key-file.ts";
import { statePaths } from "../../identity/state-dir.ts";
import { readStateFile } from "../../identity/state-file.ts";
import { loadPending } from "../../snapshot/pending.ts";
import { silentLogger } from "../../log.ts";
import { asServicePlatform, serviceLayout } from "../../service/layout.ts";
import { serviceLogLocation, serviceStatusCommand } from "../../service/plan.ts";
import { action, stateDirFrom, withCommonOptions, type CommonOptions } from "../common.ts";

export interface AgentStatus {
  stateDir: string;
  enrolled: boolean;
  deviceId?: string;
  connectorUrl?: string;
  enrolledAt?: string;
  seq?: number;
  lastAck?: { seq: number; at: string };
  pendingSnapshotSeq?: number;
  keyFile: { path: string; present: boolean; permissionsOk: boolean; mode?: string; problem?: string };
  problem?: string;
}

export function readAgentStatus(stateDir: string): AgentStatus {
  const paths = statePaths(stateDir);
  const present = existsSync(paths.key);
  const check = present ? checkKeyFilePermissions(paths.key) : { ok: false };
  const keyFile = {
    path: paths.key,
    present,
    permissionsOk: check.ok,
    ...(check.mode !== undefined ? { mode: check.mode } : {}),
    ...(check.problem !== undefined ? { problem: check.problem } : {}),
  };
  let state;
  try {
    state = readStateFile(paths.state);
  } catch (err) {
    return { stateDir, enrolled: false, keyFile, problem: err instanceof AgentError ? err.message : String(err) };
  }
  if (state === undefined) return { stateDir, enrolled: false, keyFile };
  const pending = loadPending(paths.pending, state.deviceId, silentLogger());
  return {
    stateDir,
    enrolled: present,
    deviceId: state.deviceId,
    connectorUrl: state.connectorUrl,
    enrolledAt: state.enrolledAt,
    seq: state.seq,
    ...(state.lastAck !== undefined ? { lastAck: state.lastAck } : {}),
    ...(pending !== undefined ? { pendingSnapshotSeq: pending.seq } : {}),
    keyFile,
    ...(!present ? { problem: `the state names device ${state.deviceId} but its key file ${paths.key} is missing; re-enroll with --force` } : {}),
  };
}

export function statusCommand(): Command {
  return withCommonOptions(
    new Command("status").description("show whether this device is enrolled and the agent's state").option("--json", "print as JSON"),
  ).action(
    action((flags: CommonOptions & { json?: boolean }) => {
      const status = readAgentStatus(stateDirFrom(flags));
      const healthy = status.enrolled && status.keyFile.permissionsOk && status.problem === undefined;
      const service = installedService();
      if (flags.json) {
        process.stdout.write(JSON.stringify({ ...status, healthy, ...(service ? { service } : {}) }, null, 2) + "\n");
      } else {
        process.stdout.write(formatStatus(status, service?.check, service?.logs));
      }
      process.exitCode = healthy ? 0 : 1;
    }),
  );
}

/**
 * The OS command that shows whether the installed service/task runs, and where its log goes (this
 * command reads only the state dir: it names them rather than asking the service manager).
 */
function installedService(): { check: string[]; logs: string } | undefined {
  try {
    const layout = serviceLayout(asServicePlatform(process.platform), process.env);
    return { check: serviceStatusCommand(layout), logs: serviceLogLocation(layout) };
  } catch {
    return undefined;
  }
}

export function formatStatus(s: AgentStatus, serviceCheckArgv?: string[], serviceLogs?: string): string {
  const rows: [string, string][] = [
    ["enrolled", s.enrolled ? "yes" : "no"],
    ["state dir", s.stateDir],
  ];
  if (s.deviceId !== undefined) {
    rows.push(
      ["device id", s.deviceId],
      ["connector", s.connectorUrl ?? ""],
      ["enrolled at", s.enrolledAt ?? ""],
      ["seq", String(s.seq ?? 0)],
      ["last ack", s.lastAck ? `seq ${s.lastAck.seq} at ${s.lastAck.at}` : "none yet"],
      ["unacknowledged", s.pendingSnapshotSeq !== undefined ? `snapshot seq ${s.pendingSnapshotSeq} (resent on reconnect)` : "none"],
    );
  }
  rows.push([
    "key file",
    !s.keyFile.present ? `missing (${s.keyFile.path})` : s.keyFile.permissionsOk ? `ok${s.keyFile.mode ? ` (${s.keyFile.mode})` : ""} ${s.keyFile.path}` : `NOT OK: ${s.keyFile.problem ?? ""}`,
  ]);
  if (serviceCheckArgv) rows.push(["service", `check with: ${serviceCheckArgv.join(" ")}`]);
  if (serviceLogs) rows.push(["logs", serviceLogs]);
  if (s.problem) rows.push(["problem", s.problem]);
  if (!s.enrolled && !s.problem) rows.push(["next", "facet-agent enroll --url <connector> --token <token>"]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n") + "\n";
}
