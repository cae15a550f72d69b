/**
 * Every connected agent holds one socket, so the process's open-files limit caps the agents one
 * connector can hold. Node cannot raise the limit itself; the service manager must
 * (`LimitNOFILE=` in deploy/systemd/facet-connector.service). Reported at start so an admin learns
 * the ceiling from the log instead of from agents that cannot connect.
 */
import { readFileSync } from "node:fs";

/** Descriptors kept for everything but agents: listeners, the database, logs, the auth server's requests. */
export const RESERVED_FILES = 256;

/** Below this many agent slots the start-up line is a warning. */
export const LOW_AGENT_CAPACITY = 10_000;

export interface FileLimit {
  soft: number | "unlimited";
  hard: number | "unlimited";
}

/** The limits from `/proc/self/limits`; undefined where that file does not exist (not Linux). */
export function readFileLimit(limitsText?: string): FileLimit | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/limits", "utf8");
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!match) return undefined;
  const value = (s: string) => (s === "unlimited" ? "unlimited" : Number.parseInt(s, 10));
  const soft = value(match[1]!);
  const hard = value(match[2]!);
  if (Number.isNaN(soft) || Number.isNaN(hard)) return undefined;
  return { soft, hard };
}

/** How many agents the limit leaves room for, and whether that deserves a warning. */
export function agentCapacity(limit: FileLimit): { agents: number | "unlimited"; low: boolean } {
  if (limit.soft === "unlimited") return { agents: "unlimited", low: false };
  const agents = Math.max(0, limit.soft - RESERVED_FILES);
  return { agents, low: agents < LOW_AGENT_CAPACITY };
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export function logFileLimit(log: Log, limit = readFileLimit()): void {
  if (!limit) return;
  const { agents, low } = agentCapacity(limit);
  const fields = { openFilesSoft: limit.soft, openFilesHard: limit.hard, agentCapacity: agents };
  if (low) log.warn(fields, `the open-files limit (${limit.soft}) leaves room for about ${agents} agents; raise it (LimitNOFILE=, docs/scale.md)`);
  else log.info(fields, "open-files limit");
}
