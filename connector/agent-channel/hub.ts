/**
 * The AgentHub: who is connected, and how to reach them. REST handlers use it to answer
 * `connected`, to ask an agent for fresh facts and wait, and to cut a revoked device off.
 *
 * It is an interface so a scaled-out connector can implement it across replicas (presence in
 * PostgreSQL, refresh requests relayed with LISTEN/NOTIFY); `LocalAgentHub` is the in-process one.
 */
import { randomUUID } from "node:crypto";
import type { ErrorCode } from "../../shared/protocol/errors.ts";
import type { StoredSnapshot } from "../store/types.ts";

export type RefreshFailure = "not_connected" | "timeout" | "disconnected" | "rejected";

export class RefreshError extends Error {
  constructor(
    readonly reason: RefreshFailure,
    message: string,
    /** The protocol error code when the agent's answer was rejected. */
    readonly code?: ErrorCode,
  ) {
    super(message);
    this.name = "RefreshError";
  }
}

export interface AgentHub {
  /** Which of these devices have a live, authenticated session. */
  presence(deviceIds: string[]): Promise<Set<string>>;
  /** Every device connected to this hub. */
  connectedDeviceIds(): Promise<string[]>;
  /**
   * Asks the device's agent for a fresh snapshot and resolves with it once it is stored.
   * Rejects with RefreshError: `not_connected` at once, `timeout` after timeoutMs,
   * `disconnected` if the agent leaves first, `rejected` if its answer failed ingest.
   */
  refresh(deviceId: string, timeoutMs: number): Promise<StoredSnapshot>;
  /** Closes the device's session (revocation). Resolves true if one was open. */
  disconnect(deviceId: string, reason: string, closeCode?: number): Promise<boolean>;
  /** The link to other replicas, for hubs that have one (cluster/hub.ts); /readyz reports it. */
  replicaBus?(): ReplicaBusState;
}

export interface ReplicaBusState {
  replicaId: string;
  /** Whether the LISTEN connection is up: while it is down, revocations and refreshes relayed from other replicas are missed. */
  listening: boolean;
}

/** What the hub needs from a live session. */
export interface AgentConnection {
  readonly deviceId: string;
  sendRefresh(requestId: string): boolean;
  close(code: number, reason: string): void;
}

interface PendingRefresh {
  deviceId: string;
  resolve(snapshot: StoredSnapshot): void;
  reject(error: RefreshError): void;
  timer: NodeJS.Timeout;
}

/**
 * What the agent channel and the connector need of a hub: AgentHub plus the sessions' side.
 * LocalAgentHub is one; the cluster hub (cluster/hub.ts) wraps one and adds the other replicas.
 */
export interface ConnectionHub extends AgentHub {
  /** Registers an authenticated session; returns the one it replaces, if any. */
  register(connection: AgentConnection): AgentConnection | undefined;
  unregister(connection: AgentConnection): void;
  isConnected(deviceId: string): boolean;
  /** Sessions held by this process. */
  readonly size: number;
  /** The agent's answer to a refresh, stored. */
  answered(deviceId: string, requestId: string, snapshot: StoredSnapshot): void;
  failed(deviceId: string, requestId: string, code: ErrorCode, message: string): void;
  closeAll(code: number, reason: string): void;
}

export class LocalAgentHub implements ConnectionHub {
  private readonly sessions = new Map<string, AgentConnection>();
  private readonly pending = new Map<string, PendingRefresh>();

  /** Registers an authenticated session; returns the one it replaces, if any. */
  register(connection: AgentConnection): AgentConnection | undefined {
    const previous = this.sessions.get(connection.deviceId);
    this.sessions.set(connection.deviceId, connection);
    return previous;
  }

  unregister(connection: AgentConnection): void {
    // A replaced session closing late must not remove its successor.
    if (this.sessions.get(connection.deviceId) !== connection) return;
    this.sessions.delete(connection.deviceId);
    for (const [id, p] of this.pending) {
      if (p.deviceId !== connection.deviceId) continue;
      this.settle(id)?.reject(new RefreshError("disconnected", "the agent disconnected before answering the refresh"));
    }
  }

  isConnected(deviceId: string): boolean {
    return this.sessions.has(deviceId);
  }

  get size(): number {
    return this.sessions.size;
  }

  async presence(deviceIds: string[]): Promise<Set<string>> {
    return new Set(deviceIds.filter((id) => this.sessions.has(id)));
  }

  async connectedDeviceIds(): Promise<string[]> {
    return this.connectedDeviceIdsNow();
  }

  /** The same, synchronously (the cluster hub marks them down at shutdown). */
  connectedDeviceIdsNow(): string[] {
    return [...this.sessions.keys()];
  }

  refresh(deviceId: string, timeoutMs: number): Promise<StoredSnapshot> {
    const session = this.sessions.get(deviceId);
    if (!session) return Promise.reject(new RefreshError("not_connected", "the device's agent is not connected"));
    const requestId = randomUUID();
    return new Promise<StoredSnapshot>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(requestId)?.reject(
          new RefreshError("timeout", `the agent did not send fresh facts within ${Math.round(timeoutMs / 1000)} s`),
        );
      }, timeoutMs);
      this.pending.set(requestId, { deviceId, resolve, reject, timer });
      if (!session.sendRefresh(requestId)) {
        this.settle(requestId)?.reject(new RefreshError("disconnected", "the agent's connection is closing"));
      }
    });
  }

  /** Called by a session once a snapshot answering `requestId` is stored. */
  answered(deviceId: string, requestId: string, snapshot: StoredSnapshot): void {
    if (this.pending.get(requestId)?.deviceId !== deviceId) return;
    this.settle(requestId)?.resolve(snapshot);
  }

  /** Called by a session when a snapshot answering `requestId` was rejected. */
  failed(deviceId: string, requestId: string, code: ErrorCode, message: string): void {
    if (this.pending.get(requestId)?.deviceId !== deviceId) return;
    this.settle(requestId)?.reject(new RefreshError("rejected", message, code));
  }

  async disconnect(deviceId: string, reason: string, closeCode = 4004): Promise<boolean> {
    const session = this.sessions.get(deviceId);
    if (!session) return false;
    session.close(closeCode, reason);
    this.unregister(session);
    return true;
  }

  /** Closes every session (shutdown). */
  closeAll(code: number, reason: string): void {
    for (const session of [...this.sessions.values()]) {
      session.close(code, reason);
      this.unregister(session);
    }
  }

  private settle(requestId: string): PendingRefresh | undefined {
    const p = this.pending.get(requestId);
    if (!p) return undefined;
    this.pending.delete(requestId);
    clearTimeout(p.timer);
    return p;
  }
}
