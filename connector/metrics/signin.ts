/**
 * Sign-in checks in the metrics: each decision the endpoint check records (events/decisions.ts)
 * is counted by verdict on its way to the decision log, so the count and the audit record can
 * never disagree about what was decided.
 */
import type { DecisionLog } from "../events/decisions.ts";
import type { NewEvent } from "../store/types.ts";
import type { ConnectorMetrics, SignInVerdict } from "./index.ts";

export function signInVerdict(data: Record<string, unknown>): SignInVerdict {
  const judged = data.reason === null || data.reason === undefined;
  if (data.passing === true) return judged ? "pass" : "unmanaged";
  return judged ? "fail" : "refused";
}

export function countingDecisions(decisions: Pick<DecisionLog, "record">, metrics: ConnectorMetrics): Pick<DecisionLog, "record"> {
  return {
    record(event: NewEvent) {
      metrics.signInDecided(signInVerdict(event.data));
      decisions.record(event);
    },
  };
}
