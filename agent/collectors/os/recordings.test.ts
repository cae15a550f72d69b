/** os probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseAptSimulation, parseDnfSecurityList, parseOsRelease } from "./linux.ts";
import { parseInstallHistory } from "./darwin.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("os-release of SLES 16.0 Beta4, comment lines and all", () => {
  assert.deepEqual(parseOsRelease(f("sles-16.0-beta4.os-release.txt")), { ok: true, value: { name: "SLES", version: "16.0 Beta4", id: "sles" } });
});

test("os-release of Rocky Linux 8.3: quoted ID", () => {
  assert.deepEqual(parseOsRelease(f("rocky-8.3.os-release.txt")), { ok: true, value: { name: "Rocky Linux", version: "8.3", id: "rocky" } });
});

test("apt-get -s on Ubuntu 20.04, filtered to its security line: one pending security update", () => {
  assert.deepEqual(parseAptSimulation(f("ubuntu-20.04-container.apt-get-s-dist-upgrade-security-grep.txt")), { ok: true, value: { pending: 1, security: 1 } });
});

// yum's header lines and one line per advisory×package: a person counts 2 packages with pending security
// advisories (389-ds-base, 389-ds-base-libs). Issue 12 lists the advisory×package count as a defect
// (now fixed); the "Loaded plugins" header is yum's, which Facet's `dnf -q` does not print.
test("yum/dnf4 updateinfo list counts packages, not advisory lines", () => {
  assert.deepEqual(parseDnfSecurityList(f("rhel-7.yum-updateinfo-list-security-all-excerpt.txt")), { ok: true, value: 2 });
});

/** What `plutil -convert json` makes of an XML plist of arrays, dicts, strings and dates (dates become ISO strings). */
function plistToJson(xml: string): string {
  const tokens = [...xml.matchAll(/<(\/?)(array|dict|key|string|date|integer|true|false)(\/?)>([^<]*)/g)];
  let i = 0;
  const value = (): unknown => {
    const [, close, tag, selfClosing, text] = tokens[i++]!;
    if (close) throw new Error(`unexpected </${tag}>`);
    if (tag === "true" || tag === "false") return tag === "true";
    if (tag === "string" || tag === "date") { i++; return text; }
    if (tag === "integer") { i++; return Number(text); }
    if (selfClosing) return tag === "array" ? [] : {};
    if (tag === "array") { const out: unknown[] = []; while (!tokens[i]![1]) out.push(value()); i++; return out; }
    const out: Record<string, unknown> = {};
    while (!tokens[i]![1]) { const key = tokens[i]![4]!; i += 2; out[key] = value(); }
    i++;
    return out;
  };
  return JSON.stringify(value());
}

// OS X 10.9 installed 2013-11-12 and never updated: every later softwareupdated entry is config-data
// (XProtect, a Chinese word list). Issue 12 lists this misread; now fixed.
test("InstallHistory: config-data downloads are not OS patches", () => {
  const json = plistToJson(f("macos-10.9-vm.install-history.plist"));
  assert.equal((JSON.parse(json) as unknown[]).length, 7);
  const r = parseInstallHistory(json);
  assert.ok(!r.ok || !/^(2013-12-28|2014-01-28)/.test(r.value), `last patch read as ${r.ok ? r.value : r.reason}`);
});
