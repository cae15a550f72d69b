import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { catalogFreshness, catalogIsStale, DEFAULT_CATALOG_MAX_AGE_DAYS, PUBLISHED_AHEAD_TOLERANCE_MS, staleCatalogMessage, staleCatalogNote } from "./freshness.ts";
import { TEST_CATALOG } from "../../../test/support/policy/fixtures.ts";

const catalog = { version: "2025.11.14", publishedAt: "2025-11-14" };
const at = (iso: string) => Date.parse(iso);

describe("OS release catalog freshness, against an injected clock", () => {
  test("the default limit is 45 days", () => {
    assert.equal(DEFAULT_CATALOG_MAX_AGE_DAYS, 45);
    assert.equal(catalogFreshness(catalog, at("2025-11-20T12:00:00Z")).maxAgeDays, 45);
  });

  test("is current through its 45th day and stale from the 46th", () => {
    const last = catalogFreshness(catalog, at("2025-12-29T23:59:59Z"));
    assert.deepEqual([last.ageDays, last.stale, last.staleFrom], [45, false, "2025-12-30"]);
    const first = catalogFreshness(catalog, at("2025-12-30T00:00:00Z"));
    assert.deepEqual([first.ageDays, first.stale], [46, true]);
  });

  test("a catalog confirmed only by its publishedAt is stale a year later", () => {
    const f = catalogFreshness(TEST_CATALOG, at("2026-11-23T09:00:00Z"));
    assert.equal(f.stale, true);
    assert.equal(f.ageDays, 374);
    assert.match(staleCatalogMessage(f), /catalog 2025\.11\.14 was last confirmed against its sources on 2025-11-14, 374 days ago, past the 45-day limit.*facet os-catalog update.*facet os-catalog import/);
  });

  test("honours a configured limit", () => {
    const now = at("2025-11-22T00:00:00Z");
    assert.equal(catalogFreshness(catalog, now, 7).stale, true);
    assert.equal(catalogFreshness(catalog, now, 8).stale, false);
  });

  test("a limit that is not a whole number of days falls back to the default, never to 'no limit'", () => {
    const now = at("2026-11-23T00:00:00Z");
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 2.5]) assert.deepEqual([catalogFreshness(catalog, now, bad).maxAgeDays, catalogFreshness(catalog, now, bad).stale], [45, true]);
    assert.equal(catalogFreshness(catalog, now, 100_000).maxAgeDays, 365);
  });

  test("a publishedAt a day ahead (a time zone) is current; further ahead it is never trusted", () => {
    const now = at("2025-11-13T06:00:00Z");
    assert.deepEqual([catalogFreshness(catalog, now).stale, catalogFreshness(catalog, now).ageDays], [false, 0]);
    const future = catalogFreshness({ version: "2099.1.1", publishedAt: "2099-01-01" }, now);
    assert.deepEqual([future.stale, future.datedInFuture], [true, true]);
    assert.match(staleCatalogMessage(future), /claims a confirmation on 2099-01-01, in the future/);
  });
});

test("catalogIsStale says what catalogFreshness says, for each catalog object, limit and platform", () => {
  const confirmed = { ...TEST_CATALOG, sources: { ...TEST_CATALOG.sources!, linux: { from: "test", confirmedAt: "2025-11-20T10:00:00.000Z" } } };
  const later = { ...confirmed, sources: { ...confirmed.sources, linux: { from: "test", confirmedAt: "2026-01-20T10:00:00.000Z" } } };
  for (const c of [catalog, TEST_CATALOG, confirmed, later, confirmed]) {
    for (let day = -3; day <= 80; day++) {
      for (const limit of [1, 45, 60, 1.5]) {
        for (const platform of [null, "linux", "macos"] as const) {
          const now = Date.parse("2025-11-14T00:00:00Z") + day * 86_400_000 - 1;
          assert.equal(catalogIsStale(c, now, limit, platform), catalogFreshness(c, now, limit, platform).stale);
        }
      }
    }
  }
});

test("staleCatalogNote says what catalogFreshness says at every instant, however the clock moves between questions", () => {
  const day = 86_400_000;
  // Confirmed mid-day, so a catalog dated ahead stops being "in the future" at an instant that is no midnight.
  const ahead = { ...TEST_CATALOG, sources: { ...TEST_CATALOG.sources!, linux: { from: "test", confirmedAt: "2025-11-20T10:00:00.000Z" } } };
  const trustedFrom = Date.parse("2025-11-20T10:00:00.000Z") - PUBLISHED_AHEAD_TOLERANCE_MS;
  const midnights = Array.from({ length: 70 }, (_, i) => Date.parse("2025-11-10T00:00:00Z") + i * day);
  const instants = [...midnights.flatMap((m) => [m - 1, m, m + 1, m + day / 2]), trustedFrom - 1, trustedFrom, trustedFrom + 1];
  // In order, backwards, and shuffled: a held answer must never outlive the interval it holds for.
  const shuffled = instants.map((t, i) => instants[(i * 7919) % instants.length]!);
  for (const c of [catalog, TEST_CATALOG, ahead]) {
    for (const limit of [1, 45, 1.5, undefined]) {
      for (const platform of [null, "linux", "macos"] as const) {
        for (const now of [...instants, ...[...instants].reverse(), ...shuffled]) {
          const freshness = catalogFreshness(c, now, limit, platform);
          assert.equal(staleCatalogNote(c, now, limit, platform), freshness.stale ? staleCatalogMessage(freshness) : null, `${c.version} ${platform} ${limit} at ${new Date(now).toISOString()}`);
        }
      }
    }
  }
});
