/** What every REST route module receives. */
import type { Logger } from "pino";
import type { Store } from "../store/types.ts";
import type { AgentHub } from "../agent-channel/hub.ts";
import type { Clock, ConnectorLimits } from "../options.ts";
import type { RejectionEvents } from "../events/rejections.ts";
import type { DecisionLog } from "../events/decisions.ts";
import type { CertificateVerifier } from "../signin/identify.ts";
import type { DeviceCa } from "../device-ca/authority.ts";
import type { ConnectorMetrics } from "../metrics/index.ts";
import type { LatestFacts } from "../lookup/index.ts";
import type { ComplianceService } from "../compliance/service.ts";
import type { ApiTokenCache } from "../tokens/api-token-cache.ts";

export interface HttpDeps {
  store: Store;
  hub: AgentHub;
  now: Clock;
  limits: ConnectorLimits;
  log: Logger;
  /** Events caused by unauthenticated callers go through this per-source limiter. */
  rejections: RejectionEvents;
  /** `signin.decision` events, written in batches. */
  decisions: Pick<DecisionLog, "record">;
  /** Checks a client certificate forwarded by the auth server's proxy against the device CA. */
  verifyClientCertificate: CertificateVerifier;
  /**
   * The device CA. To judge a sign-in by the browser's client certificate, pass the proxy's header
   * to `deviceFromForwardedCertificate(deps.deviceCa, value, deps.now())` (connector/device-ca/verify.ts).
   */
  deviceCa: DeviceCa;
  /** The connector's Prometheus metrics; without them there is no `/metrics` route. */
  metrics?: ConnectorMetrics;
  /** The latest facts of each device, cached (connector/lookup/); one per connector. */
  lookup: LatestFacts;
  /** Loads policies, evaluates devices and stores the outcome (connector/compliance/); one per connector. */
  compliance: ComplianceService;
  /** API tokens found lately, by digest (connector/tokens/api-token-cache.ts); one per connector. */
  apiTokens: ApiTokenCache;
}
