/**
 * A live connector for policy tests, starting from the frozen TEST_CATALOG (not the bundled one,
 * which is rebuilt from feeds) on an injected clock set just after its newest releases, with devices that enroll and push real signed snapshots over the agent socket.
 */
import assert from "node:assert/strict";
import type { Logger } from "pino";
import type { ConnectorLimits } from "../../connector/options.ts";
import type { Facts, Unknown } from "../../shared/facts/schema.ts";
import type { ConnectorFrame } from "../../shared/protocol/messages.ts";
import { CATALOG_NOW, TEST_CATALOG } from "./policy/fixtures.ts";
import { startTestConnector, type TestConnector } from "./connector.ts";
import { ProtocolClient, enrollTestDevice, type TestDevice } from "./protocol-client.ts";

export interface LivePolicyConnector extends TestConnector {
  clock: { now: number };
  /** Enrolls a device, pushes one signed snapshot collected "now", and returns it connected. */
  pushDevice(facts: Facts, options?: { username?: string; unknown?: Unknown; answerRefreshWith?: Facts }): Promise<LiveDevice>;
  json<T = any>(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: T }>;
  createPolicy(body: Record<string, unknown>): Promise<string>;
}

export interface LiveDevice extends TestDevice {
  client: ProtocolClient;
  seq: number;
  push(facts: Facts, unknown?: Unknown): Promise<void>;
}

/** `now` defaults to CATALOG_NOW, where the bundled catalog is current; `logger` to a silent one. */
export async function startLivePolicyConnector(options: { now?: number; logger?: Logger; limits?: Partial<ConnectorLimits> } = {}): Promise<LivePolicyConnector> {
  const clock = { now: options.now ?? CATALOG_NOW };
  const t = await startTestConnector({ now: () => clock.now, baselineCatalog: TEST_CATALOG, ...(options.logger ? { logger: options.logger } : {}), ...(options.limits ? { limits: options.limits } : {}) });
  const clients: ProtocolClient[] = [];

  const json: LivePolicyConnector["json"] = async (path, init) => {
    const res = await t.api(path, init);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  return {
    ...t,
    clock,
    json,
    async createPolicy(body) {
      const res = await json("/v1/device-assurances", { method: "POST", body: JSON.stringify(body) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.id as string;
    },
    async pushDevice(facts, options = {}) {
      const device = await enrollTestDevice(t.connector.url, t.enrollToken, { hostname: facts.network?.hostname ?? "host", ...(options.username ? { username: options.username } : {}) });
      const client = await ProtocolClient.connect(t.connector.agentUrl);
      clients.push(client);
      assert.equal((await client.authenticate(device)).type, "welcome");
      const live: LiveDevice = {
        ...device,
        client,
        seq: 0,
        async push(next, unknown = {}) {
          live.seq += 1;
          const answer = await client.sendSnapshot(device, { seq: live.seq, facts: next, unknown, collectedAt: new Date(clock.now).toISOString() });
          assert.equal(answer.type, "ack", JSON.stringify(answer));
        },
      };
      await live.push(facts, options.unknown);
      if (options.answerRefreshWith) {
        client.ws.on("message", (data) => {
          const frame = JSON.parse(data.toString()) as ConnectorFrame;
          if (frame.type !== "refresh") return;
          live.seq += 1;
          client.sendJson(client.snapshotFrame(device, { seq: live.seq, requestId: frame.requestId, facts: options.answerRefreshWith!, unknown: {}, collectedAt: new Date(clock.now).toISOString() }));
        });
      }
      return live;
    },
    async stop() {
      for (const c of clients) c.close();
      await t.stop();
    },
  };
}
