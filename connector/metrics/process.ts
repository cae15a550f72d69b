/**
 * Node's process metrics (CPU, memory, event-loop lag, GC, handles) in a registry of their own,
 * created once per process on first use. They describe the process, not a connector, and
 * prom-client's collectors install observers (GC, event-loop delay) that are never removed: one
 * set per connector would pile up in a process that starts many (tests, benches).
 */
import { collectDefaultMetrics, Registry } from "prom-client";

let processRegistry: Registry | undefined;

export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
