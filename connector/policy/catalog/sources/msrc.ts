/**
 * Windows cumulative updates from Microsoft's own security data: the MSRC CVRF API's monthly
 * document (`/cvrf/v3.0/cvrf/2026-Aug`, JSON). Every Windows 10/11 client product a month's
 * security update fixes is listed with its fixed build (`10.0.26100.4946`) and KB; the newest
 * fixed build per feature release is that month's cumulative update.
 *
 *   const updates = parseMsrcCvrf(await response.text());   // [{ build: 26100, ubr: 4946, kb, date }]
 */
import { z } from "zod";
import { FeedError, parseJsonFeed } from "./sofa.ts";

export const MSRC_DEFAULT_URL = "https://api.msrc.microsoft.com/cvrf/v3.0/cvrf/{id}";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The document ids (`2026-Aug`) of the month of `now` and the one before, newest first. */
export function msrcDocumentIds(now: number): [string, string] {
  const d = new Date(now);
  const id = (year: number, month: number) => `${year}-${MONTHS[month]}`;
  const previous = d.getUTCMonth() === 0 ? id(d.getUTCFullYear() - 1, 11) : id(d.getUTCFullYear(), d.getUTCMonth() - 1);
  return [id(d.getUTCFullYear(), d.getUTCMonth()), previous];
}

const Cvrf = z.object({
  DocumentTracking: z.object({
    Identification: z.object({ ID: z.object({ Value: z.string().max(32) }) }),
    InitialReleaseDate: z.string().regex(/^\d{4}-\d{2}-\d{2}/),
  }),
  ProductTree: z.object({ FullProductName: z.array(z.object({ ProductID: z.string().max(32), Value: z.string().max(300) })).max(20_000) }),
  Vulnerability: z
    .array(
      z.object({
        Remediations: z
          .array(
            z.object({
              Description: z.object({ Value: z.string().max(2000) }).optional(),
              ProductID: z.array(z.string().max(32)).max(5000).optional(),
              SubType: z.string().max(100).optional(),
              FixedBuild: z.string().max(100).optional(),
            }),
          )
          .max(5000)
          .optional(),
      }),
    )
    .max(5000),
});

export interface MsrcUpdate {
  product: "WINDOWS_10" | "WINDOWS_11";
  release: string;
  build: number;
  ubr: number;
  kb?: string;
  date: string;
}

/** "Windows 11 Version 24H2 for x64-based Systems" → the product and feature release. */
const CLIENT_PRODUCT = /^Windows (10|11) Version (\d{2}H\d|\d{4}) for (x64|ARM64|32-bit)-based Systems$/;
const FIXED_BUILD = /^10\.0\.(\d{5,6})\.(\d{1,6})$/;

export function parseMsrcCvrf(text: string): MsrcUpdate[] {
  const parsed = Cvrf.safeParse(parseJsonFeed(text, "the MSRC CVRF document"));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FeedError(`the MSRC CVRF document does not have the expected shape: ${issue.path.join(".")}: ${issue.message}`);
  }
  const doc = parsed.data;
  const date = doc.DocumentTracking.InitialReleaseDate.slice(0, 10);
  const products = new Map<string, { product: MsrcUpdate["product"]; release: string }>();
  for (const p of doc.ProductTree.FullProductName) {
    const m = CLIENT_PRODUCT.exec(p.Value.trim());
    if (m) products.set(p.ProductID, { product: m[1] === "11" ? "WINDOWS_11" : "WINDOWS_10", release: m[2]! });
  }
  const newest = new Map<number, MsrcUpdate>();
  for (const vulnerability of doc.Vulnerability) {
    for (const fix of vulnerability.Remediations ?? []) {
      // Hotpatches ("Security Hotpatch Update") move a different UBR line; only full cumulative updates count.
      if (fix.SubType !== "Security Update") continue;
      const build = FIXED_BUILD.exec(fix.FixedBuild ?? "");
      if (!build) continue;
      for (const id of fix.ProductID ?? []) {
        const product = products.get(id);
        if (!product) continue;
        const update: MsrcUpdate = { ...product, build: Number(build[1]), ubr: Number(build[2]), date };
        const kb = fix.Description?.Value.trim();
        if (kb && /^\d{6,8}$/.test(kb)) update.kb = `KB${kb}`;
        const known = newest.get(update.build);
        if (!known || update.ubr > known.ubr) newest.set(update.build, update);
      }
    }
  }
  if (newest.size === 0) throw new FeedError(`the MSRC CVRF document ${doc.DocumentTracking.Identification.ID.Value} names no Windows 10/11 cumulative update`);
  return [...newest.values()].sort((a, b) => b.build - a.build);
}
