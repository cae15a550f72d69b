import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { latestWindowsUpdate, linuxDistro, linuxReleases, linuxReleasesOn, linuxSupported, loadBundledCatalog, macosReleases, newestCatalog, windowsReleases, windowsSupported } from "./index.ts";
import { OsCatalogSchema, type OsCatalog } from "./schema.ts";
import { TEST_CATALOG } from "../../../test/support/policy/fixtures.ts";

const bundled = TEST_CATALOG;
const clone = (): OsCatalog => structuredClone(bundled);

describe("the OS release catalog lookups (on the frozen TEST_CATALOG)", () => {
  test("the bundled and the test catalog validate against the schema", () => {
    assert.equal(OsCatalogSchema.safeParse(bundled).success, true);
    assert.equal(OsCatalogSchema.safeParse(loadBundledCatalog()).success, true);
  });

  test("lists macOS majors newest first, hiding releases after the given time", () => {
    assert.deepEqual(macosReleases(bundled, Date.parse("2025-11-20T00:00:00Z")).map((r) => r.major).slice(0, 3), [26, 15, 14]);
    assert.equal(macosReleases(bundled, Date.parse("2025-09-01T00:00:00Z"))[0]!.major, 15);
  });

  test("knows the newest Windows 11 cumulative update as of a date", () => {
    const release = windowsReleases(bundled, "WINDOWS_11", Date.parse("2025-11-20T00:00:00Z")).find((r) => r.build === 26100)!;
    assert.equal(latestWindowsUpdate(release, Date.parse("2025-11-20T00:00:00Z"))!.ubr, 7171);
    assert.equal(latestWindowsUpdate(release, Date.parse("2025-11-10T00:00:00Z"))!.ubr, 6899);
  });

  test("Windows 10 support ended on 2025-10-14", () => {
    const win10 = windowsReleases(bundled, "WINDOWS_10", Date.parse("2025-11-20T00:00:00Z"))[0]!;
    assert.equal(windowsSupported(win10, Date.parse("2025-10-13T00:00:00Z")), true);
    assert.equal(windowsSupported(win10, Date.parse("2025-10-14T00:00:00Z")), false);
  });

  test("finds a Linux distro by its os.name, case-insensitively", () => {
    assert.equal(linuxDistro(bundled, "debian gnu/linux")?.id, "debian");
    assert.equal(linuxDistro(bundled, "Plan 9"), null);
  });
});

describe("Linux releases computed once per distro and UTC day", () => {
  const distro = (releases: { version: string; released: string; endOfSupport?: string }[]) =>
    ({ id: "testix", names: ["Testix"], releases: releases.map((r) => ({ ...r, codename: null, lts: false })) }) as unknown as Parameters<typeof linuxReleasesOn>[0];

  test("a release out at midnight UTC, and support ending at midnight UTC, are seen the moment the day changes", () => {
    const testix = distro([{ version: "1", released: "2020-01-01", endOfSupport: "2026-03-02" }, { version: "2", released: "2026-03-02" }]);
    const before = Date.parse("2026-03-01T23:59:59.999Z");
    const after = Date.parse("2026-03-02T00:00:00.000Z");
    assert.deepEqual(linuxReleasesOn(testix, before).map((r) => [r.release.version, r.supported]), [["1", true]]);
    assert.deepEqual(linuxReleasesOn(testix, after).map((r) => [r.release.version, r.supported]), [["2", true], ["1", false]]);
    assert.deepEqual(linuxReleasesOn(testix, before).map((r) => [r.release.version, r.supported]), [["1", true]], "a clock going back is answered too");
  });

  test("agree with linuxReleases and linuxSupported at every hour around each date of the catalog", () => {
    for (const d of bundled.linux) {
      const dates = d.releases.flatMap((r) => [r.released, ...(r.endOfSupport ? [r.endOfSupport] : [])]).map((x) => Date.parse(`${x}T00:00:00Z`));
      for (const date of dates) {
        for (let hour = -25; hour <= 25; hour++) {
          const now = date + hour * 3_600_000 - 1;
          const expected = linuxReleases(d, now).map((r) => [r.version, linuxSupported(r, now)]);
          assert.deepEqual(linuxReleasesOn(d, now).map((r) => [r.release.version, r.supported]), expected, `${d.names[0]} at ${new Date(now).toISOString()}`);
        }
      }
    }
  });
});

describe("macOS and Windows releases computed once per catalog and UTC day", () => {
  const midnight = (date: string) => Date.parse(`${date}T00:00:00Z`);
  /** Instants an hour apart from a day before to a day after each date, each just before the hour. */
  const around = (dates: string[]) => dates.flatMap((d) => Array.from({ length: 51 }, (_, h) => midnight(d) + (h - 25) * 3_600_000 - 1));

  test("agree with a scan of the catalog at every hour around each of its dates, the clock going either way", () => {
    const catalog = clone();
    const macDates = catalog.macos.flatMap((r) => [r.released, ...(r.endOfSupport ? [r.endOfSupport] : [])]);
    for (const now of [...around(macDates), ...around(macDates).reverse()]) {
      const expected = catalog.macos.filter((r) => midnight(r.released) <= now).sort((a, b) => b.major - a.major).map((r) => r.major);
      assert.deepEqual(macosReleases(catalog, now).map((r) => r.major), expected, new Date(now).toISOString());
    }
    const winDates = catalog.windows.flatMap((r) => [r.released, ...r.updates.slice(-6).map((u) => u.date)]);
    for (const now of [...around(winDates), ...around(winDates).reverse()]) {
      for (const product of ["WINDOWS_10", "WINDOWS_11"] as const) {
        const expected = catalog.windows.filter((r) => r.product === product && midnight(r.released) <= now).sort((a, b) => b.build - a.build);
        const releases = windowsReleases(catalog, product, now);
        assert.deepEqual(releases.map((r) => r.build), expected.map((r) => r.build), `${product} at ${new Date(now).toISOString()}`);
        for (const release of releases) {
          const latest = release.updates.filter((u) => midnight(u.date) <= now).at(-1) ?? null;
          assert.equal(latestWindowsUpdate(release, now), latest, `${release.build} at ${new Date(now).toISOString()}`);
        }
      }
    }
  });

  test("a new catalog object is answered from its own dates", () => {
    const now = Date.parse("2025-11-20T12:00:00Z");
    const before = clone();
    assert.equal(macosReleases(before, now)[0]!.major, 26);
    const later = clone();
    later.macos = later.macos.filter((r) => r.major !== 26);
    assert.equal(macosReleases(later, now)[0]!.major, 15);
  });
});

describe("imported catalogs are validated", () => {
  const rejects: [string, (c: OsCatalog) => void, RegExp][] = [
    ["a macOS major listed twice", (c) => c.macos.push({ ...c.macos[0]! }), /listed twice/],
    ["a latest version of another major", (c) => (c.macos[0]!.latest = "15.1"), /not a macOS 26 version/],
    ["a Windows 10 build labelled WINDOWS_11", (c) => (c.windows[0]!.build = 19044), /does not belong to WINDOWS_11/],
    ["updates out of order", (c) => c.windows[0]!.updates.reverse(), /date order/],
    ["an unknown field", (c) => ((c as unknown as Record<string, unknown>).extra = 1), /unrecognized|extra/i],
    ["another schema version", (c) => ((c as unknown as Record<string, unknown>).schemaVersion = 2), /./],
  ];
  for (const [what, mutate, message] of rejects) {
    test(`rejects ${what}`, () => {
      const catalog = clone();
      mutate(catalog);
      const parsed = OsCatalogSchema.safeParse(catalog);
      assert.equal(parsed.success, false);
      assert.match(JSON.stringify(parsed.error!.issues), message);
    });
  }

  test("an older stored catalog never replaces the bundled one", () => {
    const shipped = loadBundledCatalog();
    assert.equal(newestCatalog({ ...clone(), version: "2024.1.1" }, shipped).version, shipped.version);
    assert.equal(newestCatalog({ ...clone(), version: "2030.1.1" }, shipped).version, "2030.1.1");
    assert.equal(newestCatalog(null, shipped).version, shipped.version);
  });

  test("a connector's baseline stands in for the bundled catalog", () => {
    const baseline = OsCatalogSchema.parse(bundled);
    assert.equal(newestCatalog(null, baseline).version, "2025.11.14");
    assert.equal(newestCatalog({ ...clone(), version: "2025.12.1" }, baseline).version, "2025.12.1");
  });
});
