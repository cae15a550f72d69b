/**
 * What ingest stores beside a snapshot, made from its facts as a verify thread makes them
 * (agent-channel/frame-verdict.ts): the bench seeds snapshots through the store, and a seeded
 * device must be read as an ingested one is (its view and its policy facts, not its whole body).
 */
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import { renderedAuthentikView } from "../../connector/lookup/rendered-view.ts";
import { policyFactsText, versionedPolicyFacts } from "../../connector/lookup/policy-snapshot.ts";
import type { SnapshotWrite } from "../../connector/store/types.ts";

export function madeAtIngest(facts: Facts, unknown: Unknown): Required<Pick<SnapshotWrite, "view" | "policyFacts">> {
  return { view: renderedAuthentikView(facts, unknown), policyFacts: versionedPolicyFacts(policyFactsText(facts, unknown)) };
}
