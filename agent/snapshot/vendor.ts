/**
 * Facet's own entry in the facts document's `vendor` map, beside any other vendor's data, the way
 * authentik reports `vendor["goauthentik.io/platform"]`.
 */
import { FACET_VENDOR_KEY, FACTS_VERSION, type Facts } from "../../shared/facts/schema.ts";
import { AGENT_VERSION } from "../version.ts";

export function withFacetVendor(
  facts: Facts,
  unknown: Record<string, string>,
  agentVersion: string = AGENT_VERSION,
): { facts: Facts; unknown: Record<string, string> } {
  // The collectors already put platform and per-family timings under Facet's key: merge, not replace.
  const collected = facts.vendor?.[FACET_VENDOR_KEY] ?? {};
  const vendor = {
    ...(facts.vendor ?? {}),
    [FACET_VENDOR_KEY]: { ...collected, agent_version: agentVersion, facts_version: FACTS_VERSION },
  };
  // `vendor` was null only because no other vendor data was collected; it is no longer null, so a
  // reason saying it is unknown would contradict the document.
  const { vendor: _dropped, ...rest } = unknown;
  return { facts: { ...facts, vendor }, unknown: facts.vendor === null ? rest : unknown };
}
