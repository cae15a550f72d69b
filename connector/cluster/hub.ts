/**
 * The AgentHub for several connector replicas sharing one PostgreSQL.
 *
 * Sessions stay local (an agent's WebSocket lives on whichever replica it reached); what crosses
 * replicas goes through PostgreSQL itself:
 *   - presence: lease rows (./presence.ts), so `connected` is right cluster-wide and turns false
 *     on its own when a replica dies;
 *   - refresh: a request for an agent held elsewhere is relayed over LISTEN/NOTIFY (./bus.ts) to
 *     the holder, which asks its agent; the answer (stored first, as always) comes back as a
 *     notification and is read from the store, all within the caller's deadline;
 *   - disconnect (revocation) and takeover (the agent reconnected to another replica): broadcast.
 * A missed notification is covered by the periodic sweep: leases renewed, revoked devices still
 * connected here are cut off, and the same sweep runs whenever the bus reconnects.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { CLOSE_CODES, type ErrorCode } from "../../shared/protocol/errors.ts";
import { LocalAgentHub, RefreshError, type AgentConnection, type ConnectionHub, type RefreshFailure, type ReplicaBusState } from "../agent-channel/hub.ts";
import type { ClusterStore } from "../store/postgres/cluster.ts";
import type { StoredSnapshot } from "../store/types.ts";
import { ClusterBus, type BusMessage } from "./bus.ts";
import { PresenceTable } from "./presence.ts";

export interface ClusterHubOptions {
  /** Unique per process; default a random UUID. */
  replicaId?: string;
  /** Presence lease (ms): how long a dead replica's agents still read as connected. */
  leaseMs?: number;
  /** Sweep period (ms): lease renewal and revocation check. Default leaseMs / 3. */
  sweepMs?: number;
  /** How often connected agents' last_seen is advanced (ms). */
  touchMs?: number;
  /** How long disconnect() waits for the holding replica to confirm (ms). */
  disconnectConfirmMs?: number;
  log?: Logger;
}

interface RelayedRefresh {
  deviceId: string;
  resolve(s: StoredSnapshot): void;
  reject(e: RefreshError): void;
  timer: NodeJS.Timeout;
}

const REFRESH_FAILURES = new Set<RefreshFailure>(["not_connected", "timeout", "disconnected", "rejected"]);

export class ClusterAgentHub implements ConnectionHub {
  /** This replica's own sessions; the rest of the class is what other replicas add. */
  private readonly local = new LocalAgentHub();
  readonly replicaId: string;
  readonly bus: ClusterBus;
  readonly presenceTable: PresenceTable;
  private readonly relays = new Map<string, RelayedRefresh>();
  private readonly confirmations = new Map<string, () => void>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private lastTouch = 0;
  private sweeping: Promise<void> | undefined;
  private stopped = false;
  private readonly opts: Required<Omit<ClusterHubOptions, "log" | "replicaId">>;

  private constructor(
    private readonly store: ClusterStore,
    options: ClusterHubOptions,
    private readonly log?: Logger,
  ) {
    this.replicaId = options.replicaId ?? randomUUID();
    const leaseMs = options.leaseMs ?? 15_000;
    this.opts = {
      leaseMs,
      sweepMs: options.sweepMs ?? Math.max(200, Math.floor(leaseMs / 3)),
      touchMs: options.touchMs ?? 60_000,
      disconnectConfirmMs: options.disconnectConfirmMs ?? 1000,
    };
    this.bus = new ClusterBus(store.location, store.cluster, this.replicaId);
    this.presenceTable = new PresenceTable(store.cluster, this.replicaId, { leaseMs, flushDelayMs: 10 }, (err) =>
      this.log?.warn({ err: err.message }, "presence write failed; retrying"),
    );
  }

  static async start(store: ClusterStore, options: ClusterHubOptions = {}): Promise<ClusterAgentHub> {
    const hub = new ClusterAgentHub(store, options, options.log);
    hub.bus.on("message", (m) => hub.onMessage(m));
    hub.bus.on("error", (err) => hub.log?.warn({ err: err.message }, "cluster bus connection lost; reconnecting"));
    hub.bus.on("resync", () => {
      hub.log?.info("cluster bus reconnected; resynchronising");
      void hub.sweep();
    });
    await hub.bus.start();
    await hub.sweep();
    hub.sweepTimer = setInterval(() => void hub.sweep(), hub.opts.sweepMs);
    hub.sweepTimer.unref();
    return hub;
  }

  isConnected(deviceId: string): boolean {
    return this.local.isConnected(deviceId);
  }

  get size(): number {
    return this.local.size;
  }

  answered(deviceId: string, requestId: string, snapshot: StoredSnapshot): void {
    this.local.answered(deviceId, requestId, snapshot);
  }

  failed(deviceId: string, requestId: string, code: ErrorCode, message: string): void {
    this.local.failed(deviceId, requestId, code, message);
  }

  closeAll(code: number, reason: string): void {
    const held = this.local.connectedDeviceIdsNow();
    this.local.closeAll(code, reason);
    for (const id of held) this.presenceTable.down(id);
  }

  /**
   * Closes the session held here. Sessions unregister through this hub as they close, which
   * marks them down in presence; this also covers a connection that does not.
   */
  private async disconnectLocal(deviceId: string, reason: string, closeCode: number): Promise<boolean> {
    const closed = await this.local.disconnect(deviceId, reason, closeCode);
    if (closed && !this.local.isConnected(deviceId)) this.presenceTable.down(deviceId);
    return closed;
  }

  replicaBus(): ReplicaBusState {
    return { replicaId: this.replicaId, listening: this.bus.isListening };
  }

  // ——— sessions on this replica ———

  register(connection: AgentConnection): AgentConnection | undefined {
    const previous = this.local.register(connection);
    this.presenceTable.up(connection.deviceId);
    // An agent that reconnected here may still have a half-open session on another replica.
    this.publish({ to: "*", type: "takeover", deviceId: connection.deviceId });
    return previous;
  }

  unregister(connection: AgentConnection): void {
    const held = this.local.isConnected(connection.deviceId);
    this.local.unregister(connection);
    if (held && !this.local.isConnected(connection.deviceId)) this.presenceTable.down(connection.deviceId);
  }

  // ——— AgentHub, cluster-wide ———

  async presence(deviceIds: string[]): Promise<Set<string>> {
    const local = await this.local.presence(deviceIds);
    const remote = deviceIds.filter((id) => !local.has(id));
    if (remote.length === 0) return local;
    // This replica is the authority on its own agents: a row naming it for an agent it no longer
    // holds is a disconnect whose presence write has not landed yet, not a live agent.
    for (const [id, holder] of await this.presenceTable.holders(remote)) if (holder !== this.replicaId) local.add(id);
    return local;
  }

  async connectedDeviceIds(): Promise<string[]> {
    const all = new Set(await this.presenceTable.allLive());
    for (const id of await this.local.connectedDeviceIds()) all.add(id);
    return [...all];
  }

  async refresh(deviceId: string, timeoutMs: number): Promise<StoredSnapshot> {
    if (this.local.isConnected(deviceId)) return this.local.refresh(deviceId, timeoutMs);
    const holder = (await this.presenceTable.holders([deviceId])).get(deviceId);
    if (!holder || holder === this.replicaId) throw new RefreshError("not_connected", "the device's agent is not connected");
    const requestId = randomUUID();
    const deadline = Date.now() + timeoutMs;
    const answer = new Promise<StoredSnapshot>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.relays.delete(requestId);
        reject(new RefreshError("timeout", `the agent did not send fresh facts within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.relays.set(requestId, { deviceId, resolve, reject, timer });
    });
    try {
      await this.bus.publish({ to: holder, from: this.replicaId, type: "refresh", requestId, deviceId, deadline });
    } catch (err) {
      this.settleRelay(requestId)?.reject(new RefreshError("disconnected", `could not reach the replica holding the agent: ${(err as Error).message}`));
    }
    return answer;
  }

  async disconnect(deviceId: string, reason: string, closeCode: number = CLOSE_CODES.revoked): Promise<boolean> {
    const here = await this.disconnectLocal(deviceId, reason, closeCode);
    const holder = here ? undefined : (await this.presenceTable.holders([deviceId]).catch(() => new Map<string, string>())).get(deviceId);
    const requestId = randomUUID();
    const confirmed = holder
      ? new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            this.confirmations.delete(requestId);
            resolve(false);
          }, this.opts.disconnectConfirmMs);
          this.confirmations.set(requestId, () => {
            clearTimeout(timer);
            resolve(true);
          });
        })
      : Promise.resolve(false);
    // Broadcast even when no holder is known: a session whose presence row is not written yet
    // (it authenticated a few ms ago) must be cut off too.
    await this.bus
      .publish({ to: "*", from: this.replicaId, type: "disconnect", requestId, deviceId, reason: reason.slice(0, 120), closeCode })
      .catch((err: Error) => this.log?.warn({ err: err.message, deviceId }, "could not broadcast disconnect; the sweep will catch it"));
    return here || (await confirmed);
  }

  // ——— the other side of the relay ———

  private onMessage(m: BusMessage): void {
    if (m.from === this.replicaId) return;
    const deviceId = typeof m.deviceId === "string" ? m.deviceId : null;
    const requestId = typeof m.requestId === "string" ? m.requestId : null;
    switch (m.type) {
      case "refresh":
        if (deviceId && requestId && typeof m.deadline === "number") void this.answerRelayed(m.from, requestId, deviceId, m.deadline);
        return;
      case "refresh_result":
        if (requestId) void this.finishRelay(requestId, m);
        return;
      case "disconnect":
        if (deviceId && requestId) void this.disconnectHere(m.from, requestId, deviceId, String(m.reason ?? "disconnected"), Number(m.closeCode) || CLOSE_CODES.revoked);
        return;
      case "disconnected":
        if (requestId) this.confirmations.get(requestId)?.();
        if (requestId) this.confirmations.delete(requestId);
        return;
      case "takeover":
        if (deviceId && this.local.isConnected(deviceId)) void this.disconnectLocal(deviceId, "replaced by a newer connection", CLOSE_CODES.replaced);
        return;
    }
  }

  private async answerRelayed(from: string, requestId: string, deviceId: string, deadline: number): Promise<void> {
    const reply = (body: Record<string, unknown>) =>
      this.publish({ to: from, type: "refresh_result", requestId, deviceId, ...body });
    if (!this.local.isConnected(deviceId)) return reply({ ok: false, reason: "not_connected", message: "the device's agent is not connected" });
    // Leave a little of the deadline for the answer to travel back.
    const budget = deadline - Date.now() - 50;
    if (budget <= 0) return reply({ ok: false, reason: "timeout", message: "the refresh deadline passed before the agent was asked" });
    try {
      const snapshot = await this.local.refresh(deviceId, budget);
      reply({ ok: true, seq: snapshot.seq });
    } catch (err) {
      const e = err instanceof RefreshError ? err : new RefreshError("disconnected", (err as Error).message);
      reply({ ok: false, reason: e.reason, message: e.message, ...(e.code ? { code: e.code } : {}) });
    }
  }

  private async finishRelay(requestId: string, m: BusMessage): Promise<void> {
    const relay = this.relays.get(requestId);
    if (!relay) return; // timed out already
    if (m.ok === true) {
      // The holder acked only after the store commit, so the snapshot is readable here.
      const snapshot = await this.store.latestSnapshot(relay.deviceId).catch(() => null);
      if (snapshot && snapshot.seq >= Number(m.seq)) this.settleRelay(requestId)?.resolve(snapshot);
      else this.settleRelay(requestId)?.reject(new RefreshError("disconnected", "the refreshed snapshot could not be read back"));
      return;
    }
    const reason = REFRESH_FAILURES.has(m.reason as RefreshFailure) ? (m.reason as RefreshFailure) : "disconnected";
    this.settleRelay(requestId)?.reject(new RefreshError(reason, String(m.message ?? reason), m.code as ErrorCode | undefined));
  }

  private settleRelay(requestId: string): RelayedRefresh | undefined {
    const r = this.relays.get(requestId);
    if (!r) return undefined;
    this.relays.delete(requestId);
    clearTimeout(r.timer);
    return r;
  }

  private async disconnectHere(from: string, requestId: string, deviceId: string, reason: string, closeCode: number): Promise<void> {
    if (await this.disconnectLocal(deviceId, reason, closeCode)) this.publish({ to: from, type: "disconnected", requestId, deviceId });
  }

  private publish(m: Omit<BusMessage, "from">): void {
    this.bus.publish({ ...m, from: this.replicaId } as BusMessage).catch((err: Error) => this.log?.warn({ err: err.message, type: m.type }, "cluster publish failed"));
  }

  // ——— periodic sweep ———

  /** Renews leases, cuts off revoked devices still connected here, advances last_seen. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    if (this.stopped) return;
    const held = await this.local.connectedDeviceIds();
    try {
      await this.presenceTable.flush();
      await this.presenceTable.renew(held);
      if (held.length === 0) return;
      for (const id of await this.store.cluster.revokedAmong(held)) await this.disconnectLocal(id, "device revoked", CLOSE_CODES.revoked);
      const now = Date.now();
      if (now - this.lastTouch >= this.opts.touchMs) {
        this.lastTouch = now;
        await this.store.cluster.touchDevices(held, now);
      }
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, "cluster sweep failed; will retry");
    }
  }

  /** Stops the sweep and the bus and removes this replica's presence rows. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.sweepTimer);
    await this.sweeping?.catch(() => {});
    for (const id of [...this.relays.keys()]) this.settleRelay(id)?.reject(new RefreshError("disconnected", "the connector is shutting down"));
    await this.bus.stop();
    await this.presenceTable.release().catch(() => {});
  }
}
