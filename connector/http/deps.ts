/** What every REST route module receives. */
import type { Logger } from "pino";
import type { Store } from "../store/types.ts";
import type { AgentHub } from "../agents/hub.ts";
import type { Clock, ConnectorLimits } from "../options.ts";
import type { RejectionEvents } from "../events/rejections.ts";

export interface HttpDeps {
  store: Store;
  hub: AgentHub;
  now: Clock;
  limits: ConnectorLimits;
  log: Logger;
  /** Events caused by unauthenticated callers go through this per-source limiter. */
  rejections: RejectionEvents;
}
