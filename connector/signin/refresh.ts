/**
 * Fresh facts for sign-ins, without letting sign-ins drive agents: concurrent sign-ins for one
 * device share one refresh, and a device is asked at most once per `minIntervalMs` (sign-ins in
 * between use the cached facts). An auth server cannot turn a burst of checks into a burst of
 * collections on someone's laptop.
 */
import type { AgentHub } from "../agent-channel/hub.ts";
import type { StoredSnapshot } from "../store/types.ts";

export type RefreshOutcome = { ok: true; snapshot: StoredSnapshot } | { ok: false; reason: string };

/** Entries older than this are dropped on the next sweep; bounds the map by the devices seen recently. */
const FORGET_AFTER_MS = 10 * 60_000;

export class SignInRefresher {
  private readonly inFlight = new Map<string, Promise<RefreshOutcome>>();
  private readonly lastAsked = new Map<string, number>();

  constructor(
    private readonly hub: Pick<AgentHub, "refresh">,
    private readonly minIntervalMs: number,
    private readonly now: () => number,
  ) {}

  /** Refreshes each device unless one is under way (joined) or was asked too recently (skipped: null). */
  async refreshAll(deviceIds: string[], waitMs: number): Promise<Map<string, RefreshOutcome | null>> {
    this.sweep();
    const entries = await Promise.all(deviceIds.map(async (id) => [id, await this.refresh(id, waitMs)] as const));
    return new Map(entries);
  }

  private refresh(deviceId: string, waitMs: number): Promise<RefreshOutcome> | null {
    const pending = this.inFlight.get(deviceId);
    if (pending) return pending;
    const now = this.now();
    const last = this.lastAsked.get(deviceId);
    if (last !== undefined && now - last < this.minIntervalMs) return null;
    this.lastAsked.set(deviceId, now);
    const outcome = this.hub.refresh(deviceId, waitMs).then(
      (snapshot): RefreshOutcome => ({ ok: true, snapshot }),
      (error: unknown): RefreshOutcome => ({ ok: false, reason: (error as { reason?: string }).reason ?? "failed" }),
    );
    this.inFlight.set(deviceId, outcome);
    void outcome.finally(() => this.inFlight.delete(deviceId));
    return outcome;
  }

  private sweep(): void {
    if (this.lastAsked.size < 1024) return;
    const cutoff = this.now() - FORGET_AFTER_MS;
    for (const [id, at] of this.lastAsked) if (at < cutoff) this.lastAsked.delete(id);
  }
}
