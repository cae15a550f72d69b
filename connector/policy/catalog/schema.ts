/**
 * The OS release catalog: what "latest" means for dynamic OS version requirements.
 *
 * A versioned data file built from public feeds (sources/): the connector refreshes it itself
 * (connector/os-catalog/), a copy is bundled (`os-releases.json`, scripts/build-os-catalog.ts),
 * and air-gapped sites import one built elsewhere. Imported files are untrusted input, so
 * everything is validated here, including the cross-field facts a lookup relies on (unique majors
 * and builds, updates in date order). docs/policies.md documents this schema as JSON Schema.
 */
import { z } from "zod";

const isoDate = z.iso.date();
const dottedVersion = z.string().regex(/^\d{1,5}(\.\d{1,6}){0,3}$/, "a dotted version such as 15.7.2");

const MacosRelease = z.strictObject({
  major: z.number().int().min(10).max(1000),
  name: z.string().min(1).max(64),
  released: isoDate,
  latest: dottedVersion,
  latestReleased: isoDate,
  supported: z.boolean(),
  endOfSupport: isoDate.optional(),
  /** CVEs the latest release fixed, as the feed counts them (SOFA's UniqueCVEsCount). */
  latestCves: z.number().int().nonnegative().max(100_000).optional(),
});

const WindowsUpdate = z.strictObject({
  date: isoDate,
  ubr: z.number().int().nonnegative().max(1_000_000),
  kb: z.string().max(32).optional(),
});

const WindowsRelease = z.strictObject({
  product: z.enum(["WINDOWS_10", "WINDOWS_11"]),
  release: z.string().min(1).max(16),
  build: z.number().int().min(10000).max(1_000_000),
  released: isoDate,
  endOfSupport: isoDate.optional(),
  updates: z.array(WindowsUpdate).min(1).max(600),
});

const LinuxRelease = z.strictObject({
  version: dottedVersion,
  released: isoDate,
  latest: dottedVersion,
  endOfSupport: isoDate.optional(),
});

const LinuxDistro = z.strictObject({
  id: z.string().regex(/^[a-z0-9._-]{1,32}$/),
  /** `os.name` values (case-insensitive) that identify this distro in facts. */
  names: z.array(z.string().min(1).max(64)).min(1).max(16),
  releases: z.array(LinuxRelease).min(1).max(200),
});

/** Which feed vouched for one platform's releases, and when it last did. */
const SourceNote = z.strictObject({
  from: z.string().min(1).max(300),
  /** When the releases were last confirmed against the feed (not when they changed). */
  confirmedAt: z.iso.datetime({ offset: true }),
});

export const CATALOG_PLATFORMS = ["macos", "windows", "linux"] as const;
export type CatalogPlatform = (typeof CATALOG_PLATFORMS)[number];

export const OsCatalogSchema = z
  .strictObject({
    schemaVersion: z.literal(1),
    /** The catalog's own version; an import must not go backwards unless forced. */
    version: z.string().regex(/^\d{4}\.\d{1,2}\.\d{1,2}(\.\d+)?$/, "a date-like version such as 2025.11.14"),
    publishedAt: isoDate,
    notes: z.string().max(2000).optional(),
    macos: z.array(MacosRelease).min(1).max(100),
    windows: z.array(WindowsRelease).min(1).max(200),
    linux: z.array(LinuxDistro).max(100),
    /** Per platform: the feed and its last confirmation; without it, `publishedAt` stands for it. */
    sources: z.strictObject({ macos: SourceNote.optional(), windows: SourceNote.optional(), linux: SourceNote.optional() }).optional(),
  })
  .superRefine((catalog, ctx) => {
    const majors = new Set<number>();
    catalog.macos.forEach((r, i) => {
      if (majors.has(r.major)) ctx.addIssue({ code: "custom", path: ["macos", i, "major"], message: `macOS ${r.major} is listed twice` });
      majors.add(r.major);
      if (Number(r.latest.split(".")[0]) !== r.major)
        ctx.addIssue({ code: "custom", path: ["macos", i, "latest"], message: `latest ${r.latest} is not a macOS ${r.major} version` });
    });
    const builds = new Set<number>();
    catalog.windows.forEach((r, i) => {
      if (builds.has(r.build)) ctx.addIssue({ code: "custom", path: ["windows", i, "build"], message: `build ${r.build} is listed twice` });
      builds.add(r.build);
      if ((r.product === "WINDOWS_11") !== r.build >= 22000)
        ctx.addIssue({ code: "custom", path: ["windows", i, "build"], message: `build ${r.build} does not belong to ${r.product}` });
      for (let u = 1; u < r.updates.length; u++) {
        if (r.updates[u]!.date < r.updates[u - 1]!.date || r.updates[u]!.ubr <= r.updates[u - 1]!.ubr)
          ctx.addIssue({ code: "custom", path: ["windows", i, "updates", u], message: "updates must be in date order with increasing UBR" });
      }
    });
    const ids = new Set<string>();
    catalog.linux.forEach((d, i) => {
      if (ids.has(d.id)) ctx.addIssue({ code: "custom", path: ["linux", i, "id"], message: `distro ${d.id} is listed twice` });
      ids.add(d.id);
    });
  });

export type OsCatalog = z.infer<typeof OsCatalogSchema>;
export type MacosRelease = z.infer<typeof MacosRelease>;
export type WindowsRelease = z.infer<typeof WindowsRelease>;
export type LinuxDistro = z.infer<typeof LinuxDistro>;
export type LinuxRelease = z.infer<typeof LinuxRelease>;
export type WindowsUpdate = z.infer<typeof WindowsUpdate>;
