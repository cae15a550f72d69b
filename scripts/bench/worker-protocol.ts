/** IPC messages between the bench and its load-generator processes. */
import type { SnapshotSize } from "./snapshot-sizes.ts";

export interface WorkerDevice {
  deviceId: string;
  index: number;
  /** Raw 32-byte Ed25519 seed and public key, base64. */
  seed: string;
  publicKey: string;
}

export type WorkerCommand =
  | { type: "init"; url: string; devices: WorkerDevice[]; localAddresses: string[]; size: SnapshotSize }
  | { type: "connect"; concurrency: number }
  | { type: "connectPlain"; url: string; concurrency: number }
  | { type: "presign"; perAgent: number; compact: boolean }
  | { type: "ingest"; startAt: number; warmupMs: number; durationMs: number; window: number }
  | { type: "drop" }
  | { type: "status" }
  | { type: "close" };

export interface IngestReport {
  type: "ingested";
  sent: number;
  acked: number;
  ackedInWindow: number;
  exhausted: number;
  errors: Record<string, number>;
  /** Send-to-ack milliseconds of every snapshot acked inside the measured window. */
  latencies: number[];
  closed: number;
  /** Epoch ms of the last ack (0 when none came): with the start, a burst's throughput. */
  lastAckAt: number;
}

export type WorkerReply =
  | { type: "ready"; agents: number }
  | { type: "connected"; connected: number; failed: number; firstError: string | null; ms: number }
  | { type: "presigned"; frames: number; ms: number }
  | IngestReport
  | { type: "dropped" }
  | { type: "status"; open: number; rss: number }
  | { type: "closed" };
