/**
 * The agent channel: `GET /v1/agent` upgraded to a WebSocket on the connector's HTTP port.
 * Owns the ws server (with an explicit maxPayload), the sessions, and one heartbeat timer that
 * pings every session and drops those that did not answer the previous ping.
 *
 * Frames are checked on verify threads and the sockets paused while the ingest queue is deep
 * (verify-pool.ts, read-gate.ts): a burst of agents waits in their send buffers, not on the event
 * loop that answers sign-ins.
 *
 * The upgrade is handed straight to `ws` (`attach(server)`) rather than through hono's
 * `upgradeWebSocket`: that helper keeps, for the life of every connection, the request's whole
 * hono context (Request, URL, Headers, IncomingMessage and some 25 bound methods) — about 6 KB
 * per idle agent, most of what an idle agent cost. A plain GET on the path answers 426.
 */
import type { IncomingMessage, Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { Hono } from "hono";
import { CLOSE_CODES } from "../../shared/protocol/errors.ts";
import { AGENT_FEATURES_HEADER } from "../../shared/protocol/family-digests.ts";
import { addressSource, deviceSource } from "../events/rejections.ts";
import { PendingAdmissions } from "./admission.ts";
import { ReadGate } from "./read-gate.ts";
import { ReadTurns } from "./read-turns.ts";
import { ChannelSession, type SessionContext } from "./session.ts";

export const AGENT_PATH = "/v1/agent";

export interface AgentChannel {
  wss: WebSocketServer;
  sessions: Set<ChannelSession>;
  /** The ingest queue and the sockets it has paused. */
  gate: ReadGate<ChannelSession>;
  /** The read budget per event-loop turn and the sockets waiting for a later turn. */
  turns: ReadTurns;
  /** Takes over the server's upgrade requests: `/v1/agent` becomes a session, any other path gets 404. */
  attach(server: Server): void;
  close(): Promise<void>;
}

// One listener of each kind for every socket, finding its session through this property, so an
// idle connection costs no closures of its own.
const SESSION = Symbol("facet.session");
type SessionSocket = WebSocket & { [SESSION]?: ChannelSession };

function refuseUpgrade(socket: Duplex, status: number, reason: string, headers = ""): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n${headers}Content-Length: 0\r\n\r\n`);
}

/** The features named in the agent's upgrade request (shared/protocol/family-digests.ts). */
function offeredFeatures(request: IncomingMessage): string[] {
  const header = request.headers[AGENT_FEATURES_HEADER];
  return typeof header === "string" ? header.split(",", 32).map((f) => f.trim()) : [];
}

export function mountAgentChannel(app: Hono, ctx: SessionContext): AgentChannel {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: ctx.limits.maxPayload,
    // Compression would let a small frame inflate past maxPayload checks' intent and costs CPU
    // per agent; snapshots are sent every few minutes, so bandwidth is not the constraint.
    perMessageDeflate: false,
  });
  const sessions = new Set<ChannelSession>();
  const pending = new PendingAdmissions<ChannelSession>(ctx.limits.maxUnauthenticatedPerAddress, ctx.limits.maxUnauthenticated);
  const gate = new ReadGate<ChannelSession>(ctx.limits.maxIngestQueue);
  const turns = new ReadTurns(ctx.limits.agentReadsPerTurn);

  app.get(AGENT_PATH, (c) => c.json({ error: { code: "upgrade_required", message: "this path speaks WebSocket" } }, 426, { Upgrade: "websocket" }));

  function onSocketMessage(this: SessionSocket, data: RawData, isBinary: boolean): void {
    try {
      // ws hands text frames over as UTF-8-validated Buffers (binaryType "nodebuffer").
      this[SESSION]?.onMessage(data as Buffer, isBinary);
    } catch (error) {
      // A throw here would unwind into ws's receiver and take the process down with it.
      ctx.log.error({ err: error }, "agent frame handling failed");
      this.terminate();
    }
  }

  function onSocketPong(this: SessionSocket): void {
    this[SESSION]?.onPong();
  }

  function onSocketClose(this: SessionSocket, code: number): void {
    const session = this[SESSION];
    if (!session) return;
    sessions.delete(session);
    pending.release(session);
    gate.forget(session);
    session.onClose(code);
  }

  function onSocketError(this: SessionSocket, error: Error & { code?: string }): void {
    const session = this[SESSION];
    // ws has already closed the connection with 1009; the event says who and how big.
    if (error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      const deviceId = session?.authenticated ? session.deviceId : null;
      const remoteAddress = session?.remoteAddress;
      void ctx.rejections.record(
        {
          type: deviceId ? "snapshot.rejected" : "agent.protocol_error",
          at: ctx.now(),
          deviceId,
          data: { code: "frame_too_large", maxPayload: ctx.limits.maxPayload, remoteAddress: remoteAddress ?? null },
        },
        deviceId ? deviceSource(deviceId) : addressSource(remoteAddress),
      );
      return;
    }
    ctx.log.debug({ err: error, remoteAddress: session?.remoteAddress }, "agent socket error");
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (request.url ?? "/").split("?", 1)[0];
    if (path !== AGENT_PATH) return refuseUpgrade(socket, 404, "Not Found");
    const remoteAddress = request.socket.remoteAddress;
    const source = addressSource(remoteAddress);
    const admission = pending.check(source);
    if (admission !== "ok") {
      void ctx.rejections.record(
        { type: "agent.protocol_error", at: ctx.now(), deviceId: null, data: { code: "rate_limited", reason: admission === "total" ? "too many unauthenticated connections" : "too many unauthenticated connections from this address", remoteAddress: remoteAddress ?? null } },
        source,
      );
      return admission === "total"
        ? refuseUpgrade(socket, 503, "Service Unavailable", "Retry-After: 5\r\n")
        : refuseUpgrade(socket, 429, "Too Many Requests", "Retry-After: 5\r\n");
    }
    wss.handleUpgrade(request, socket, head, (raw) => {
      const ws = raw as SessionSocket;
      ws.on("message", onSocketMessage);
      ws.on("close", onSocketClose);
      ws.on("error", onSocketError);
      ws.on("pong", onSocketPong);
      const session = new ChannelSession(ws, ctx, gate, remoteAddress, offeredFeatures(request));
      if (!turns.attach(socket as Socket, session)) ctx.log.warn("agent socket reads are not bounded per turn: ws attached its reader differently");
      ws[SESSION] = session;
      sessions.add(session);
      pending.add(session, source);
    });
  }

  const heartbeat = setInterval(() => {
    for (const session of sessions) {
      // A socket that is not being read cannot deliver its pong.
      if (!session.reading) continue;
      if (session.awaitingPong) {
        sessions.delete(session);
        pending.release(session);
        session.terminate("no pong since the last heartbeat");
        continue;
      }
      session.awaitingPong = true;
      session.ping();
    }
  }, ctx.limits.heartbeatMs);
  heartbeat.unref();

  return {
    wss,
    sessions,
    gate,
    turns,
    attach(server) {
      server.on("upgrade", onUpgrade);
    },
    async close() {
      clearInterval(heartbeat);
      // A paused socket would not read the agent's answer to the close frame until ws gives up on it.
      gate.resumeAll();
      for (const session of sessions) session.close(CLOSE_CODES.shuttingDown, "connector shutting down");
      sessions.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
