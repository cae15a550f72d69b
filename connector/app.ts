/**
 * The connector in one call: store, agent hub, REST app and agent WebSocket on one port.
 * `facet-connector serve` uses it, and so do tests, which start it in-process on 127.0.0.1:0.
 *
 *   const connector = await createConnector({ database: "/tmp/x/facet.db", port: 0 });
 *   await fetch(`${connector.url}/healthz`);
 *   await connector.close();
 */
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { createAdaptorServer } from "@hono/node-server";
import type { Hono } from "hono";
import type { Logger } from "pino";
import { CLOSE_CODES } from "../shared/protocol/errors.ts";
import { SnapshotBatcher } from "./agent-channel/batcher.ts";
import { mountAgentChannel, AGENT_PATH, type AgentChannel } from "./agent-channel/channel.ts";
import { LocalAgentHub, type ConnectionHub } from "./agent-channel/hub.ts";
import { PublicKeyCache } from "./agent-channel/key-cache.ts";
import { VerifyPool, type FrameVerifier } from "./agent-channel/verify-pool.ts";
import { ApiTokenCache } from "./tokens/api-token-cache.ts";
import { ConnectorMetrics } from "./metrics/index.ts";
import { countingDecisions } from "./metrics/signin.ts";
import { instrumentStore } from "./metrics/store.ts";
import { createHttpApp } from "./http/app.ts";
import type { AuthVariables } from "./http/middleware/auth.ts";
import { DecisionLog } from "./events/decisions.ts";
import { startEventPruner } from "./events/retention.ts";
import { RejectionEvents } from "./events/rejections.ts";
import { logCatalogFreshness } from "./events/stale-catalog.ts";
import type { DeviceCa } from "./device-ca/authority.ts";
import { loadDeviceCa, type DeviceCaFiles } from "./device-ca/stored-ca.ts";
import { deviceFromForwardedCertificate } from "./device-ca/verify.ts";
import type { CertificateVerifier } from "./signin/identify.ts";
import { startCatalogRefresher, type CatalogRefresher } from "./os-catalog/refresher.ts";
import type { OsCatalog } from "./policy/catalog/index.ts";
import { ComplianceService } from "./compliance/service.ts";
import { createLogger } from "./log.ts";
import { LatestFacts } from "./lookup/index.ts";
import { DEFAULT_LIMITS, systemClock, type Clock, type ConnectorLimits } from "./options.ts";
import { openStore } from "./store/open.ts";
import { cacheStoreReads } from "./store/read-cache/index.ts";
import type { Store } from "./store/types.ts";

export interface ConnectorOptions {
  /** An open store to use (the caller keeps ownership), or… */
  store?: Store;
  /** …a location to open: a SQLite file path or a `postgres://` URL. Closed by close(). */
  database?: string;
  /** Default 127.0.0.1: exposing the connector beyond this host is an explicit choice. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** PEM certificate and key: serve https and wss. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Injectable clock (epoch ms) for skew, expiry and event times. */
  now?: Clock;
  limits?: Partial<ConnectorLimits>;
  logger?: Logger;
  /** The agent hub; default an in-process LocalAgentHub (on PostgreSQL, a cluster hub wrapping one). */
  hub?: ConnectionHub;
  /** The OS release catalog to start from instead of the bundled one (tests pin a frozen one). */
  baselineCatalog?: OsCatalog;
  /** The admin's device CA (PEM files); default: one generated once and kept in the store (device-ca/stored-ca.ts). */
  deviceCaFiles?: DeviceCaFiles;
  /** Checks agent frames; default a VerifyPool of `limits.verifyThreads` threads. Closed by close(). */
  verifier?: FrameVerifier;
  /**
   * Start the verify threads with the connector (default), so a restart's burst of agents finds
   * them ready; false: on the first agent frame (tests start many connectors and few agents).
   */
  startVerifyThreads?: boolean;
}

export interface Connector {
  /** `http://host:port` or `https://…`. */
  url: string;
  /** `ws://host:port/v1/agent` or `wss://…`. */
  agentUrl: string;
  port: number;
  store: Store;
  hub: ConnectionHub;
  app: Hono<{ Variables: AuthVariables }>;
  limits: ConnectorLimits;
  /** Issues device certificates; verifies the ones proxies forward. */
  deviceCa: DeviceCa;
  server: Server;
  /** The OS release catalog's own updates, when `limits.osCatalogRefreshMs` > 0. */
  osCatalog: CatalogRefresher | null;
  /** Applies the event retention now (it also runs every `limits.eventPruneIntervalMs`); the number deleted. */
  pruneEvents(): Promise<number>;
  /** Writes the buffered `signin.decision` events now (they are written every 250 ms anyway). */
  flushDecisions(): Promise<void>;
  /** The connector's Prometheus metrics (served at `/metrics`). */
  metrics: ConnectorMetrics;
  /** Closes agent sessions (1001), finishes pending writes, stops listening, closes an owned store. */
  close(): Promise<void>;
}

export async function createConnector(options: ConnectorOptions = {}): Promise<Connector> {
  if (!options.store && !options.database) throw new Error("createConnector needs a store or a database location");
  const limits: ConnectorLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const now = options.now ?? systemClock;
  const log = options.logger ?? createLogger();
  const ownsStore = !options.store;
  const metrics = new ConnectorMetrics();
  const storeBelowCache = instrumentStore(options.store ?? (await openStore(options.database!)), metrics.storeOperations);
  let store = storeBelowCache;
  // Before anything that runs timers or holds connections, so a bad CA file fails the start cleanly.
  const deviceCa = await loadDeviceCa({ store, now: now(), log, ...(options.deviceCaFiles ? { files: options.deviceCaFiles } : {}) }).catch(async (err: unknown) => {
    if (ownsStore) await store.close();
    throw err;
  });
  // On PostgreSQL the default hub coordinates with other replicas (connector/cluster/), loaded
  // lazily so a SQLite-only connector never loads `pg`.
  const ownsHub = !options.hub;
  const cluster = store.kind === "postgres" ? await import("./cluster/index.ts") : null;
  const hub: ConnectionHub & { stop?(): Promise<void> } = options.hub ?? (cluster ? await cluster.hubForStore(store, { log }) : new LocalAgentHub());
  // From here on every reader and writer uses the store through its read cache (write-through),
  // sized from the fleet and told of other replicas' writes over the cluster bus.
  const reads = cacheStoreReads(storeBelowCache, {
    devices: await store.countDevices(),
    bus: cluster?.clusterBusOf(hub) ?? null,
    log,
  });
  store = reads.store;
  const batcher = new SnapshotBatcher(store, limits.batchMaxSize);
  const compliance = new ComplianceService({ store, now, limits, log, ...(options.baselineCatalog ? { baselineCatalog: options.baselineCatalog } : {}) });
  await logCatalogFreshness(store, compliance.catalogs.baseline, now(), limits.osCatalogMaxAgeDays, log);

  const rejections = new RejectionEvents({ store, now, log, perWindow: limits.rejectionEventsPerWindow, windowMs: limits.rejectionWindowMs });
  const pruner = startEventPruner({ store, limits, now, log });
  const decisions = new DecisionLog(store, log);
  // The proxy's forwarded header, checked against this installation's device CA.
  const verifyClientCertificate: CertificateVerifier = (forwarded, at) => {
    const check = deviceFromForwardedCertificate(deviceCa, forwarded, at);
    if (check.ok) return check;
    return { ok: false, reason: check.reason === "missing" || check.reason === "too_large" ? "malformed" : check.reason, detail: check.detail };
  };
  const lookup = new LatestFacts({
    store,
    factsTtlMs: limits.factsTtlMs,
    snapshotBytes: limits.snapshotCacheBytes,
    policySnapshotBytes: limits.policySnapshotCacheBytes,
    factsBytes: limits.factsCacheBytes,
  });
  const apiTokens = new ApiTokenCache(store);
  const deps = { store, hub, now, limits, log, rejections, decisions: countingDecisions(decisions, metrics), verifyClientCertificate, deviceCa, metrics, lookup, compliance, apiTokens };
  const app = createHttpApp(deps);
  const keys = new PublicKeyCache();
  const verifier = options.verifier ?? new VerifyPool({ size: limits.verifyThreads, log, keys });
  if (options.startVerifyThreads !== false) verifier.start();
  const channel: AgentChannel = mountAgentChannel(app as unknown as Hono, { ...deps, batcher, keys, verifier });
  // After a restart the first read of each device would otherwise be a cold one (lookup/warm.ts).
  void lookup.warm();
  metrics.watch({
    connectedAgents: () => hub.size,
    ingest: () => ({ queued: channel.gate.depth, pausedSockets: channel.gate.pausedCount, socketsWaitingTurn: channel.turns.waiting, verifyThreads: verifier.threads }),
    caches: {
      facts: () => lookup.stats().facts.authentik,
      facts_facet_view: () => lookup.stats().facts.facet,
      snapshots: () => lookup.stats().snapshots,
      policy_snapshots: () => lookup.stats().policySnapshots,
      stored_views: () => lookup.stats().storedViews,
      stored_policy_facts: () => lookup.stats().storedPolicyFacts,
      public_keys: () => keys,
      api_tokens: () => apiTokens.stats(),
      device_rows: () => reads.stats().devices,
      evaluation_states: () => reads.stats().evaluation_states,
      policies: () => reads.stats().policies,
      device_serials: () => reads.stats().serials,
      bound_devices: () => reads.stats().bound_devices,
      device_bindings: () => reads.stats().bindings,
    },
  });

  // Slow-loris protection for the REST side (headers and body alike; WebSocket connections are
  // exempt once upgraded). Node checks these timeouts every connectionsCheckingInterval, 30 s by
  // default, which would let a slow body live for the timeout plus up to 30 s.
  const timeouts = {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(15_000, limits.requestTimeoutMs),
    connectionsCheckingInterval: Math.max(250, Math.min(1_000, Math.floor(limits.requestTimeoutMs / 4))),
  };
  const server = createAdaptorServer({
    fetch: app.fetch,
    ...(options.tls
      ? { createServer: createHttpsServer, serverOptions: { ...timeouts, cert: options.tls.cert, key: options.tls.key } }
      : { serverOptions: timeouts }),
  }) as Server;
  channel.attach(server);

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const scheme = options.tls ? "https" : "http";
  const url = `${scheme}://${hostInUrl}:${port}`;
  // After listening, in the background: an unreachable feed must not delay start-up.
  const osCatalog = limits.osCatalogRefreshMs > 0 ? startCatalogRefresher({ store, catalogs: compliance.catalogs, now, log, sources: limits.osCatalogSources, intervalMs: limits.osCatalogRefreshMs, timeoutMs: limits.osCatalogFetchTimeoutMs }) : null;

  let closing: Promise<void> | undefined;
  return {
    url,
    agentUrl: `${options.tls ? "wss" : "ws"}://${hostInUrl}:${port}${AGENT_PATH}`,
    port,
    store,
    hub,
    app,
    limits,
    deviceCa,
    server,
    osCatalog,
    metrics,
    pruneEvents: () => pruner.runNow(),
    flushDecisions: () => decisions.flush(),
    close() {
      closing ??= (async () => {
        await osCatalog?.stop();
        hub.closeAll(CLOSE_CODES.shuttingDown, "connector shutting down");
        await channel.close();
        await verifier.close();
        await batcher.drain();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (ownsHub) await hub.stop?.();
        await pruner.stop();
        await rejections.stop();
        await decisions.close();
        if (ownsStore) await store.close();
      })();
      return closing;
    },
  };
}
