/**
 * The fleet overview's data: one page of devices under the filters, their stored verdicts per
 * policy, and counts by compliance × freshness that add up to the devices the filters match.
 *
 * Verdicts are the stored results of the last evaluation (a sign-in check, a console view, an
 * evaluate call). Before the page is drawn, each device on it whose stored results are older than
 * its latest facts or than a policy change is evaluated again (at most one page, 50 devices), so
 * what is on screen is current; counts are taken after that.
 */
import { z } from "zod";
import { OS_FAMILIES } from "../../shared/facts/schema.ts";
import type { ComplianceSummary, Device, FleetCounts, FleetQuery, StoredPolicy, StoredSnapshot } from "../store/types.ts";
import type { ConsoleEnv } from "./env.ts";
import type { PatchAges } from "./patch-age.ts";

export const PAGE_SIZE = 50;

export const FleetFiltersSchema = z.object({
  q: z.string().trim().max(200).optional().transform((v) => v || undefined),
  compliance: z.enum(["failing", "passing", "unevaluated"]).optional().catch(undefined),
  freshness: z.enum(["stale", "fresh"]).optional().catch(undefined),
  platform: z.enum(OS_FAMILIES).optional().catch(undefined),
  user: z.string().trim().max(256).optional().transform((v) => v || undefined),
  revoked: z.literal("on").optional().catch(undefined),
  cursor: z.string().max(600).optional(),
  /** Shown only ("page 3"); the cursor decides the rows. */
  page: z.coerce.number().int().min(1).max(1_000_000).optional().catch(undefined),
});
export type FleetFilters = z.infer<typeof FleetFiltersSchema>;

export function encodeCursor(after: { sortKey: string; id: string }): string {
  return Buffer.from(JSON.stringify([after.sortKey, after.id])).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): { sortKey: string; id: string } | undefined {
  if (!cursor) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string" && value[0].length <= 300 && value[1].length <= 128) {
      return { sortKey: value[0], id: value[1] };
    }
  } catch {
    // An unreadable cursor starts from the first page.
  }
  return undefined;
}

export interface FleetRow {
  device: Device;
  connected: boolean;
  snapshot: StoredSnapshot | null;
  verdicts: Map<string, ComplianceSummary>;
}

export interface FleetPage {
  rows: FleetRow[];
  policies: StoredPolicy[];
  counts: FleetCounts;
  nextCursor: string | null;
  staleBefore: number;
  patchAges: PatchAges;
}

function needsEvaluation(snapshot: StoredSnapshot | null, verdicts: ComplianceSummary[], policies: StoredPolicy[]): boolean {
  if (!snapshot || policies.length === 0) return false;
  if (verdicts.length === 0) return true;
  const oldest = Math.min(...verdicts.map((v) => v.evaluatedAt));
  return oldest < snapshot.receivedAt || policies.some((p) => p.updatedAt > oldest);
}

export async function loadFleetPage(env: ConsoleEnv, filters: FleetFilters): Promise<FleetPage> {
  const { store, hub } = env.deps;
  const now = env.deps.now();
  const staleBefore = now - env.deps.limits.factsTtlMs;
  const base = {
    staleBefore,
    ...(filters.q ? { search: filters.q } : {}),
    ...(filters.platform ? { platform: filters.platform } : {}),
    ...(filters.user ? { username: filters.user } : {}),
    includeRevoked: filters.revoked === "on",
  };
  const after = decodeCursor(filters.cursor);
  const query: FleetQuery = {
    ...base,
    ...(filters.compliance ? { compliance: filters.compliance } : {}),
    ...(filters.freshness ? { freshness: filters.freshness } : {}),
    ...(after ? { after } : {}),
    limit: PAGE_SIZE + 1,
  };
  const [listed, policies] = await Promise.all([store.listFleet(query), store.listPolicies()]);
  const page = listed.slice(0, PAGE_SIZE);
  const ids = page.map((r) => r.device.id);
  const [snapshots, online, stored] = await Promise.all([store.latestSnapshots(ids), hub.presence(ids), store.complianceSummaries(ids)]);

  const stale = page.filter((r) => r.device.revokedAt === null && needsEvaluation(snapshots.get(r.device.id) ?? null, stored.filter((s) => s.deviceId === r.device.id), policies));
  if (stale.length > 0) {
    const built = policies.map((p) => env.deps.compliance.policyFromStored(p));
    await Promise.all(stale.map((r) => env.deps.compliance.evaluateDevice(r.device, snapshots.get(r.device.id) ?? null, built)));
  }
  const [summaries, counts, ages] = await Promise.all([stale.length > 0 ? store.complianceSummaries(ids) : stored, store.countFleet(base), env.patchAges.get(base)]);

  const rows = page.map((r): FleetRow => ({
    device: r.device,
    connected: online.has(r.device.id),
    snapshot: snapshots.get(r.device.id) ?? null,
    verdicts: new Map(summaries.filter((s) => s.deviceId === r.device.id).map((s) => [s.policyId, s])),
  }));
  const last = page[page.length - 1];
  return { rows, policies, counts, nextCursor: listed.length > PAGE_SIZE && last ? encodeCursor({ sortKey: last.sortKey, id: last.device.id }) : null, staleBefore, patchAges: ages };
}
