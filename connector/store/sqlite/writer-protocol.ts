/** Messages between the store (writer-thread.ts) and its writer thread (writer-worker.ts). */
import type { ComplianceWrite, NewEvent, SnapshotWriteResult } from "../types.ts";
import type { SnapshotRowWrite } from "./snapshot-writes.ts";

export interface WriterStart {
  path: string;
  historyLimit: number;
}

export type WriterRequest =
  | { type: "write"; id: number; batch: SnapshotRowWrite[] }
  | { type: "compliance"; id: number; writes: ComplianceWrite[] }
  | { type: "events"; id: number; events: NewEvent[] }
  | { type: "close" };

export type WriterReply =
  | { id: number; results: SnapshotWriteResult[] | boolean[] | null }
  | { id: number; error: { message: string; code: string | undefined } };
