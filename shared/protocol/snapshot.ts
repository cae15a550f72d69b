/** The signed snapshot body: what the agent signs and the connector verifies, byte for byte. */
import { z } from "zod";
import { FACTS_VERSION, FactsSchema, UnknownSchema } from "../facts/schema.ts";

export const SnapshotBodySchema = z.strictObject({
  v: z.literal(FACTS_VERSION),
  deviceId: z.string().min(1).max(128),
  /** Monotonic per device, persisted by the agent across restarts; the connector rejects seq ≤ last. */
  seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  collectedAt: z.iso.datetime({ offset: true }),
  /** The session nonce from `hello`: ties the signature to one live session. */
  nonce: z.string().min(16).max(128),
  agentVersion: z.string().max(64),
  facts: FactsSchema,
  unknown: UnknownSchema,
});

export type SnapshotBody = z.infer<typeof SnapshotBodySchema>;
