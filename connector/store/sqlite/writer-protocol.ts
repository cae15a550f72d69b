/** Messages between the store (writer-thread.ts) and its snapshot writer thread (writer-worker.ts). */
import type { SnapshotWriteResult } from "../types.ts";
import type { SnapshotRowWrite } from "./snapshot-writes.ts";

export interface WriterStart {
  path: string;
  historyLimit: number;
}

export type WriterRequest = { type: "write"; id: number; batch: SnapshotRowWrite[] } | { type: "close" };

export type WriterReply =
  | { id: number; results: SnapshotWriteResult[] }
  | { id: number; error: { message: string; code: string | undefined } };
