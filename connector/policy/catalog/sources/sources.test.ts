/** The feed adapters on real recordings (fixtures/README.md has each commit) and the synthetic CVRF document. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { TEST_CATALOG } from "../../../../test/support/policy/fixtures.ts";
import { assembleCatalog } from "../assemble.ts";
import { refuseUpdate } from "../validate-update.ts";
import { LINUX_DISTROS, linuxDistroFromEndOfLife, windowsCyclesFromEndOfLife } from "./endoflife.ts";
import { msrcDocumentIds, parseMsrcCvrf } from "./msrc.ts";
import { parseSofaMacosFeed } from "./sofa.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const NOW = Date.parse("2026-08-22T12:00:00Z");

describe("feed adapters", () => {
  test("SOFA: latest per major, the three newest supported, CVE counts", () => {
    const releases = parseSofaMacosFeed(fixture("sofa-macos_data_feed-2026-08-22.json"));
    assert.deepEqual(releases.map((r) => [r.major, r.name, r.latest, r.supported]), [[26, "Tahoe", "26.6.2", true], [15, "Sequoia", "15.7.9", true], [14, "Sonoma", "14.8.9", true], [13, "Ventura", "13.7.8", false], [12, "Monterey", "12.7.6", false]]);
    assert.deepEqual([releases[0]!.latestReleased, releases[0]!.latestCves, releases[0]!.released], ["2026-08-17", 28, "2025-09-15"]);
  });

  test("SOFA: a truncated feed is an error naming the cause", () => {
    const text = fixture("sofa-macos_data_feed-2026-08-22.json");
    assert.throws(() => parseSofaMacosFeed(text.slice(0, 1000)), /the SOFA feed is not valid JSON \(truncated\?\)/);
  });

  test("endoflife.date: Ubuntu releases out by the date, with latest and end of support", () => {
    const ubuntu = linuxDistroFromEndOfLife(fixture("endoflife-ubuntu-2026-08-22.md"), LINUX_DISTROS[0]!, NOW);
    assert.deepEqual(ubuntu.releases.find((r) => r.version === "24.04"), { version: "24.04", released: "2024-04-25", latest: "24.04.4", endOfSupport: "2029-05-31" });
    assert.equal(linuxDistroFromEndOfLife(fixture("endoflife-ubuntu-2026-08-22.md"), LINUX_DISTROS[0]!, Date.parse("2026-04-01T00:00:00Z")).releases.some((r) => r.version === "26.04"), false);
  });

  test("endoflife.date: Windows feature releases, Enterprise dates, no LTSC or 26H1", () => {
    const cycles = windowsCyclesFromEndOfLife(fixture("endoflife-windows-2026-08-22.md"), NOW);
    assert.deepEqual(cycles.find((c) => c.release === "25H2"), { product: "WINDOWS_11", release: "25H2", build: 26200, released: "2025-09-30", endOfSupport: "2028-10-10" });
    assert.equal(cycles.some((c) => c.release === "26H1"), false);
    assert.equal(cycles.find((c) => c.build === 19045)?.endOfSupport, "2025-10-14");
  });

  test("MSRC CVRF (synthetic): the newest full cumulative update per build, hotpatches ignored", () => {
    const updates = parseMsrcCvrf(fixture("msrc-cvrf-synthetic.json"));
    assert.deepEqual(updates.map((u) => [u.release, u.build, u.ubr, u.kb, u.date]), [["25H2", 26200, 90001, "KB5190001", "2026-09-08"], ["24H2", 26100, 90001, "KB5190001", "2026-09-08"], ["23H2", 22631, 90002, "KB5190002", "2026-09-08"], ["22H2", 19045, 90003, "KB5190003", "2026-09-08"]]);
    assert.deepEqual(msrcDocumentIds(Date.parse("2026-01-05T00:00:00Z")), ["2026-Jan", "2025-Dec"]);
  });

  test("an update that loses a supported macOS major is refused", () => {
    const releases = parseSofaMacosFeed(fixture("sofa-macos_data_feed-2026-08-22.json")).filter((r) => r.major !== 15);
    const next = assembleCatalog(TEST_CATALOG, { macos: { releases, from: "test" } }, NOW);
    assert.equal(refuseUpdate(TEST_CATALOG, next, "macos", NOW), "macOS 15 (Sequoia) is missing from the feed");
  });
});
