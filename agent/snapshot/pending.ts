/**
 * The one snapshot that was sent but not yet acknowledged. The running agent holds it in memory
 * (`PendingSlot`) across dropped connections; the file mirrors it only so a restarted agent can
 * resend it. Only the newest matters (a newer snapshot supersedes an older one), so there is a
 * single slot. A corrupt file is discarded with a warning: it is a cache, and the seq it used is
 * already recorded in the state file.
 */
import { readFileSync, rmSync } from "node:fs";
import { z } from "zod";
import { FactsSchema, UnknownSchema } from "../../shared/facts/schema.ts";
import { writeFileAtomic } from "../identity/atomic-write.ts";
import type { Logger } from "../log.ts";
import type { SnapshotContent } from "./build.ts";

const PendingSchema = z.strictObject({
  v: z.literal(1),
  deviceId: z.string().min(1),
  seq: z.number().int().positive(),
  collectedAt: z.iso.datetime({ offset: true }),
  facts: FactsSchema,
  unknown: UnknownSchema,
});

export interface PendingSnapshot extends SnapshotContent {
  deviceId: string;
}

export function savePending(file: string, pending: PendingSnapshot): void {
  writeFileAtomic(file, JSON.stringify({ v: 1, ...pending }), 0o600);
}

export function loadPending(file: string, deviceId: string, log: Logger): PendingSnapshot | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") log.warn({ file, err: (err as Error).message }, "cannot read the unacknowledged snapshot; collecting a new one");
    return undefined;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  const parsed = PendingSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    log.warn({ file, issue: issue ? `${issue.path.join(".")}: ${issue.message}` : undefined }, "the unacknowledged snapshot on disk is unreadable or invalid; discarding it and collecting a new one");
    clearPending(file);
    return undefined;
  }
  if (parsed.data.deviceId !== deviceId) {
    clearPending(file);
    return undefined;
  }
  const { v: _v, ...pending } = parsed.data;
  return pending as PendingSnapshot;
}

export function clearPending(file: string): void {
  rmSync(file, { force: true });
}

/**
 * The pending snapshot of a running agent: read from disk once (crash recovery), then kept in
 * memory; every change is written through so the file always matches.
 */
export class PendingSlot {
  private current: PendingSnapshot | undefined;

  constructor(
    private readonly file: string,
    deviceId: string,
    log: Logger,
  ) {
    this.current = loadPending(file, deviceId, log);
  }

  get(): PendingSnapshot | undefined {
    return this.current;
  }

  /** On disk (fsync) before it is held, so a frame never leaves for a seq a crash could lose. */
  set(pending: PendingSnapshot): void {
    savePending(this.file, pending);
    this.current = pending;
  }

  clear(): void {
    clearPending(this.file);
    this.current = undefined;
  }
}
