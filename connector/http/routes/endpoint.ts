/**
 * `POST /v1/endpoint/check`: the one call an auth server makes during a sign-in.
 *
 *   { "clientCertificate": "<as the proxy forwarded it>", "username": "alice", "policies": ["dae…"] }
 *   → { "passing": true, "result": "PASS", "messages": [], "reason": null, "proof": "certificate",
 *       "device": { "id": "…", "name": "…" }, "policies": [ …per policy and check… ], "checks": [ … ] }
 *
 * Which device is judged, and whether it belongs to the user, is decided in connector/signin/
 * (request.ts explains the modes). An `endpoint:check` token gets the verdict only: the device's
 * id and name, per-policy and per-check results, and messages for the person signing in. The
 * device's facts, and the names of a user's other devices, need `devices:read` as well.
 * Every decision is recorded as a `signin.decision` event (events/decisions.ts).
 */
import type { Hono } from "hono";
import { combinedListsJson, combinedVerdict, failingChecks, userMessages } from "../../policy/combine.ts";
import type { Policy } from "../../policy/schema.ts";
import type { PolicyEvaluation } from "../../policy/types.ts";
import { identifyDevices, REFUSAL_MESSAGES, type Identified } from "../../signin/identify.ts";
import { SignInRefresher, type RefreshOutcome } from "../../signin/refresh.ts";
import { parseEndpointCheck, type EndpointCheck } from "../../signin/request.ts";
import type { Device, StoredSnapshot } from "../../store/types.ts";
import { hasScope, requireScope, type AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";
import { jsonText, serializeDeviceView } from "../../lookup/device-view.ts";
import type { PolicySnapshot } from "../../lookup/policy-snapshot.ts";
import { apiError, zodMessage } from "../middleware/errors.ts";
import { validJson } from "../middleware/validate.ts";


interface DeviceResult {
  device: Device;
  snapshot: StoredSnapshot | PolicySnapshot | null;
  combined: ReturnType<typeof combinedVerdict>;
  evaluations: PolicyEvaluation[];
  messages: string[];
  refreshFailure: string | undefined;
}

export function mountEndpointCheck(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  const { store } = deps;
  const refresher = new SignInRefresher(deps.hub, deps.limits.signInRefreshIntervalMs, deps.now);

  async function judge(devices: Device[], policies: Policy[], check: EndpointCheck): Promise<DeviceResult[]> {
    const refreshed = check.refresh ? await refresher.refreshAll(devices.map((d) => d.id), check.refreshWait * 1000) : new Map<string, RefreshOutcome | null>();
    // The device rows were just read, so their `lastSeq` says which snapshot is the latest.
    const cached: Map<string, StoredSnapshot | PolicySnapshot> = deps.compliance.readsInventory(policies) ? await deps.lookup.latestSnapshots(devices) : await deps.lookup.policySnapshots(devices);
    const byId = new Map(policies.map((p) => [p.id, p]));
    const results: DeviceResult[] = [];
    for (const device of devices) {
      const fresh = refreshed.get(device.id);
      const snapshot = (fresh?.ok ? fresh.snapshot : null) ?? cached.get(device.id) ?? null;
      const evaluations = await deps.compliance.evaluateDevice(device, snapshot, policies);
      results.push({ device, snapshot, combined: combinedVerdict(evaluations), evaluations, messages: userMessages(evaluations, byId), refreshFailure: fresh && !fresh.ok ? fresh.reason : undefined });
    }
    return results;
  }

  // The body checked by a compiled check, with zod for anything it does not accept (signin/request.ts).
  const validBody = validJson<EndpointCheck>((c, value) => {
    const parsed = parseEndpointCheck(value);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, response: apiError(c, 400, "bad_request", zodMessage(parsed.error)) };
  });

  app.post("/v1/endpoint/check", requireScope(deps.apiTokens, "endpoint:check"), validBody, async (c) => {
    const check = c.req.valid("json");
    const loaded = await deps.compliance.loadPolicies(check.policies);
    if (!loaded.ok) return apiError(c, 400, "bad_request", `unknown device assurance policy id(s): ${loaded.missing.join(", ")}`);
    const token = c.get("apiToken");
    const mayReadDevices = hasScope(token, "devices:read");

    const identified = await identifyDevices({ store, now: deps.now, verifyCertificate: deps.verifyClientCertificate, limits: deps.limits }, check);
    const decision = (passing: boolean, result: string, extra: Record<string, unknown>) =>
      deps.decisions.record({
        type: "signin.decision",
        at: deps.now(),
        deviceId: (extra.deviceId as string | undefined) ?? null,
        data: { username: check.username ?? null, mode: check.mode, passing, result, policies: check.policies, tokenId: token.id, ...extra },
      });

    if (identified.kind !== "devices") {
      const { passing, body } = refusalAnswer(identified, check);
      decision(passing, body.result, { reason: body.reason, detail: identified.kind === "refused" ? identified.detail : null, deviceId: identified.kind === "refused" ? identified.device?.id : undefined });
      return c.json(body);
    }

    const results = await judge(identified.devices, loaded.policies, check);
    const passed = results.filter((r) => r.combined.passing);
    const passing = check.rule === "any" ? passed.length > 0 : passed.length === results.length;
    // The device the answer is about: for `any` the first that passed, for `all` the first that did not.
    const chosen = (check.rule === "any" ? passed[0] : results.find((r) => !r.combined.passing)) ?? results[0]!;
    const several = results.length > 1;
    const label = (r: DeviceResult) => r.device.name ?? r.device.hostname ?? r.device.id;
    const messages = passing && check.rule === "any" ? chosen.messages : results.flatMap((r) => (several ? r.messages.map((m) => `${label(r)}: ${m}`) : r.messages));
    // Only worth telling someone who is refused: their last report may predate a fix.
    if (!passing && chosen.refreshFailure) messages.push("Fresh facts could not be collected from this device; the last reported ones were used. Make sure the Facet agent is running, then try again.");

    decision(passing, chosen.combined.result, {
      reason: null,
      proof: identified.proof,
      deviceId: chosen.device.id,
      devices: results.map((r) => ({ id: r.device.id, passing: r.combined.passing, result: r.combined.result })),
      certificate: identified.certificate?.serialNumber ?? null,
      boundNow: identified.boundNow,
      failing: failingChecks(chosen.evaluations),
      refreshFailure: chosen.refreshFailure ?? null,
    });

    const head = JSON.stringify({ passing, result: chosen.combined.result, messages: [...new Set(messages)], reason: null, proof: identified.proof });
    const device = mayReadDevices
      ? jsonText(serializeDeviceView(chosen.device, (await deps.hub.presence([chosen.device.id])).has(chosen.device.id), chosen.snapshot ? await deps.lookup.factsJsonOf(chosen.snapshot) : null))
      : JSON.stringify({ id: chosen.device.id, name: label(chosen) });
    const devices = JSON.stringify({
      devices: results.map((r) => ({
        id: r.device.id,
        ...(mayReadDevices ? { name: label(r), identifier: r.device.serial } : {}),
        passing: r.combined.passing,
        result: r.combined.result,
        refreshed: check.refresh ? r.refreshFailure === undefined : undefined,
      })),
      rule: check.rule,
    });
    // Spliced so a device view's cached facts are serialized once per (device, seq) (lookup/facts-cache.ts),
    // and each check once for both of the verdict's lists (policy/combine.ts).
    return c.body(`${head.slice(0, -1)},"device":${device},${devices.slice(1, -1)},${combinedListsJson(chosen.combined)}}`, 200, { "content-type": "application/json" });
  });
}

/** The answer when no device is judged: refused (with the reason), or an unmanaged device let through by `optional`. */
function refusalAnswer(identified: Exclude<Identified, { kind: "devices" }>, check: EndpointCheck) {
  if (identified.kind === "unmanaged") {
    return { passing: true, body: { passing: true, result: "PASS", messages: [] as string[], reason: "no_certificate", proof: null, device: null, devices: [], rule: check.rule, policies: [], checks: [] } };
  }
  return {
    passing: false,
    body: {
      passing: false,
      result: "FAIL",
      messages: [REFUSAL_MESSAGES[identified.reason]],
      reason: identified.reason,
      proof: null,
      device: identified.device ? { id: identified.device.id, name: identified.device.name ?? identified.device.hostname ?? identified.device.id } : null,
      devices: [],
      rule: check.rule,
      policies: [],
      checks: [],
    },
  };
}
