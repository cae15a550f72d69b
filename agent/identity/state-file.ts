/**
 * The agent's enrollment state on disk: device id, connector, the monotonic snapshot `seq` and the
 * last acknowledgement. Read back through a zod schema because a file on disk is untrusted input
 * (a bad edit, a truncated copy from a backup): a corrupt file gives one clear error, not a crash.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { AgentError } from "../errors.ts";
import { writeFileAtomic } from "./atomic-write.ts";

export const DeviceStateSchema = z.strictObject({
  v: z.literal(1),
  deviceId: z.string().min(1).max(128),
  /** Base URL of the connector as given at enrollment (`https://connector.example:8443`). */
  connectorUrl: z.url({ protocol: /^https?$/ }),
  /** The WebSocket path the connector named in its enroll response. */
  agentPath: z.string().startsWith("/").max(256),
  publicKey: z.string().max(64),
  enrolledAt: z.iso.datetime({ offset: true }),
  /** The highest seq ever handed out; the next snapshot uses seq + 1. */
  seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /**
   * Set when `enroll --insecure` accepted http:// to a host other than this one, so `run` may keep
   * using ws:// to it; absent, `run` refuses such a URL (transport/agent-loop.ts).
   */
  insecure: z.literal(true).optional(),
  /** A PEM bundle to trust for `wss://`, remembered from `enroll --ca` so `run` uses it too. */
  caFile: z.string().max(4096).optional(),
  lastAck: z.strictObject({ seq: z.number().int().positive(), at: z.iso.datetime({ offset: true }) }).optional(),
});

export type DeviceState = z.infer<typeof DeviceStateSchema>;

export function readStateFile(file: string): DeviceState | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new AgentError("state_file_invalid", `cannot read state file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AgentError(
      "state_file_invalid",
      `state file ${file} is corrupt (not JSON: ${(err as Error).message}). Re-enroll the device, or restore the file from a backup.`,
    );
  }
  const parsed = DeviceStateSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AgentError(
      "state_file_invalid",
      `state file ${file} is invalid: ${z.prettifyError(parsed.error).replace(/\n/g, "; ")}. Re-enroll the device, or restore the file from a backup.`,
    );
  }
  return parsed.data;
}

export function writeStateFile(file: string, state: DeviceState): void {
  writeFileAtomic(file, JSON.stringify(DeviceStateSchema.parse(state), null, 2) + "\n", 0o600);
}

/**
 * The live state of an enrolled agent. Every change is written through to disk before the
 * method returns, so a caller that got a seq from `nextSeq()` may send it: a restart can never
 * hand the same seq out again.
 */
export class StateStore {
  private state: DeviceState;

  private constructor(
    readonly file: string,
    initial: DeviceState,
  ) {
    this.state = initial;
  }

  static open(file: string): StateStore {
    const state = readStateFile(file);
    if (state === undefined) {
      throw new AgentError("not_enrolled", `this device is not enrolled (no ${file}). Run \`facet-agent enroll --url <connector> --token <token>\` first.`);
    }
    return new StateStore(file, state);
  }

  static create(file: string, state: DeviceState): StateStore {
    writeStateFile(file, state);
    return new StateStore(file, state);
  }

  get current(): Readonly<DeviceState> {
    return this.state;
  }

  /** Reserves and durably records the next seq. */
  nextSeq(): number {
    const seq = this.state.seq + 1;
    this.update({ seq });
    return seq;
  }

  /** Moves seq forward to at least `floor` (the connector's lastSeq after a restore from backup). */
  raiseSeqTo(floor: number): void {
    if (floor > this.state.seq) this.update({ seq: floor });
  }

  recordAck(seq: number, at: Date): void {
    this.update({ lastAck: { seq, at: at.toISOString() } });
  }

  private update(patch: Partial<DeviceState>): void {
    const next = { ...this.state, ...patch };
    writeStateFile(this.file, next);
    this.state = next;
  }
}
