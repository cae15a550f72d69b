/**
 * `POST /v1/endpoint/check`: the one call an auth server makes during a sign-in.
 *
 *   { "username": "alice", "policies": ["dae…"], "mode": "required", "refresh": true, "rule": "any" }
 *   → { "passing": true, "messages": [], "device": { …as GET /v1/devices/{id} }, "devices": [...] }
 *
 * The device is named by id, serial, or a username (bound at enrollment or seen in the latest
 * `users[]`). `mode: optional` lets a sign-in without any enrolled device through; `required` does
 * not. With several devices for a user, `rule: any` passes when one passes, `all` when all do, and
 * `devices[]` says which passed. `refresh: true` asks connected agents for fresh facts first and
 * waits at most `refreshWait` seconds; on timeout the cached facts are used (and a refused user is
 * told so).
 */
import type { Hono } from "hono";
import { z } from "zod";
import { evaluateDevice, combineEvaluations, userMessages } from "../policy/compliance.ts";
import type { Policy } from "../policy/schema.ts";
import type { Device, StoredSnapshot } from "../store/types.ts";
import { requireScope, type AuthVariables } from "./auth.ts";
import { loadPolicies, PolicyIdsSchema } from "./compliance.ts";
import type { HttpDeps } from "./deps.ts";
import { serializeDeviceView } from "./device-view.ts";
import { apiError, readJson, zodMessage } from "./errors.ts";
import { factsCacheFor } from "./facts-cache.ts";
import { snapshotCacheFor } from "./snapshot-cache.ts";

/** Devices considered for one user: enough for people with a laptop, a desktop and a spare. */
export const MAX_DEVICES_PER_CHECK = 10;
export const MAX_REFRESH_WAIT_SECONDS = 10;

export const EndpointCheckSchema = z
  .strictObject({
    device: z.string().min(1).max(128).optional(),
    serial: z.string().min(1).max(256).optional(),
    username: z.string().min(1).max(256).optional(),
    policies: PolicyIdsSchema.min(1),
    mode: z.enum(["required", "optional"]).default("required"),
    rule: z.enum(["any", "all"]).default("any"),
    refresh: z.boolean().default(false),
    refreshWait: z.number().min(0.1).max(MAX_REFRESH_WAIT_SECONDS).default(5),
  })
  .refine((b) => [b.device, b.serial, b.username].filter((v) => v !== undefined).length === 1, {
    message: "name the device with exactly one of device, serial or username",
    path: ["device"],
  });

export type EndpointCheck = z.infer<typeof EndpointCheckSchema>;

async function findDevices(deps: HttpDeps, check: EndpointCheck): Promise<Device[]> {
  let found: Device[];
  if (check.device !== undefined) {
    const device = await deps.store.getDevice(check.device);
    found = device ? [device] : [];
  } else if (check.serial !== undefined) {
    found = await deps.store.listDevices({ serial: check.serial, limit: MAX_DEVICES_PER_CHECK });
  } else {
    found = await deps.store.findDevicesByUsername(check.username!);
  }
  return found.filter((d) => d.revokedAt === null).slice(0, MAX_DEVICES_PER_CHECK);
}

interface Refreshed {
  snapshots: Map<string, StoredSnapshot>;
  failures: Map<string, string>;
}

/** Asks every connected device for fresh facts at once; whatever does not answer in time keeps its cached facts. */
async function refreshAll(deps: HttpDeps, devices: Device[], waitSeconds: number): Promise<Refreshed> {
  const snapshots = new Map<string, StoredSnapshot>();
  const failures = new Map<string, string>();
  await Promise.all(
    devices.map(async (d) => {
      try {
        snapshots.set(d.id, await deps.hub.refresh(d.id, waitSeconds * 1000));
      } catch (error) {
        failures.set(d.id, (error as { reason?: string }).reason ?? "failed");
      }
    }),
  );
  return { snapshots, failures };
}

export function mountEndpointCheck(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  const { store } = deps;
  const snapshotCache = snapshotCacheFor(deps);
  const factsCache = factsCacheFor(deps);
  const factsJson = (snapshot: StoredSnapshot): string => factsCache.get(snapshot.deviceId, snapshot.seq) ?? factsCache.put(snapshot, deps.limits.factsTtlMs);

  /** Each device's latest snapshot: the device rows were just read, so their `lastSeq` says which one that is. */
  async function latestSnapshots(devices: Device[]): Promise<Map<string, StoredSnapshot>> {
    const out = new Map<string, StoredSnapshot>();
    const missing: string[] = [];
    for (const d of devices) {
      const hit = snapshotCache.get(d.id, d.lastSeq);
      if (hit) out.set(d.id, hit);
      else missing.push(d.id);
    }
    if (missing.length === 0) return out;
    for (const [id, snapshot] of await store.latestSnapshots(missing)) {
      snapshotCache.put(snapshot);
      out.set(id, snapshot);
    }
    return out;
  }

  app.post("/v1/endpoint/check", requireScope(store, "endpoint:check"), async (c) => {
    const json = await readJson(c);
    if (!json.ok) return json.response;
    const parsed = EndpointCheckSchema.safeParse(json.value);
    if (!parsed.success) return apiError(c, 400, "bad_request", zodMessage(parsed.error));
    const check = parsed.data;
    const loaded = await loadPolicies(store, check.policies);
    if (!loaded.ok) return apiError(c, 400, "bad_request", `unknown device assurance policy id(s): ${loaded.missing.join(", ")}`);
    const policies = new Map<string, Policy>(loaded.policies.map((p) => [p.id, p]));

    const devices = await findDevices(deps, check);
    if (devices.length === 0) {
      const passing = check.mode === "optional";
      return c.json({
        passing,
        result: passing ? "PASS" : "FAIL",
        messages: passing ? [] : ["No enrolled device was found for this sign-in. Install the Facet agent and enroll this device, or contact IT."],
        device: null,
        devices: [],
      });
    }

    const refreshed = check.refresh ? await refreshAll(deps, devices, check.refreshWait) : null;
    const ids = devices.map((d) => d.id);
    const [cached, online] = await Promise.all([latestSnapshots(devices), deps.hub.presence(ids)]);
    const results = [];
    for (const device of devices) {
      const snapshot = refreshed?.snapshots.get(device.id) ?? cached.get(device.id) ?? null;
      const evaluations = await evaluateDevice(deps, device, snapshot, loaded.policies);
      const combined = combineEvaluations(evaluations);
      const messages = userMessages(evaluations, policies);
      const refreshFailure = refreshed?.failures.get(device.id);
      results.push({ device, snapshot, combined, messages, refreshFailure });
    }

    const passed = results.filter((r) => r.combined.passing);
    const passing = check.rule === "any" ? passed.length > 0 : passed.length === results.length;
    // The device the answer is about: for `any` the first that passed, for `all` the first that did not.
    const chosen = (check.rule === "any" ? passed[0] : results.find((r) => !r.combined.passing)) ?? results[0]!;
    const several = results.length > 1;
    const messages = passing && check.rule === "any" ? chosen.messages : results.flatMap((r) => (several && r.messages.length > 0 ? r.messages.map((m) => `${r.device.name ?? r.device.hostname ?? r.device.id}: ${m}`) : r.messages));
    // Only worth telling someone who is refused: their last report may predate a fix.
    if (!passing && chosen.refreshFailure) messages.push(`Fresh facts could not be collected from this device (${chosen.refreshFailure.replace("_", " ")}); the last reported facts were used.`);

    // The answer is spliced around the device view so its ~4 KB `cached_facts` is serialized once
    // per (device, seq) (facts-cache.ts), not on every sign-in; the bytes are what `c.json` gave.
    const head = JSON.stringify({ passing, result: chosen.combined.result, messages: [...new Set(messages)] });
    const device = serializeDeviceView(chosen.device, online.has(chosen.device.id), chosen.snapshot ? factsJson(chosen.snapshot) : null);
    const tail = JSON.stringify({
      devices: results.map((r) => ({
        id: r.device.id,
        name: r.device.name ?? r.device.hostname ?? null,
        identifier: r.device.serial,
        passing: r.combined.passing,
        result: r.combined.result,
        refreshed: refreshed ? !r.refreshFailure : undefined,
      })),
      rule: check.rule,
      checks: chosen.combined.checks,
    });
    return c.body(`${head.slice(0, -1)},"device":${device},${tail.slice(1)}`, 200, { "content-type": "application/json" });
  });
}
