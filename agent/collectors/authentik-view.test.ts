/**
 * Facet's documents for all three OSes, seen through authentik's rules (shared/facts/authentik.ts,
 * encoded from goauthentik/authentik's DeviceFacts serializer): the full document with explicit
 * nulls is refused, as authentik refuses it; its authentik view is accepted.
 *
 * macOS and Windows documents come from running the real collectors with every command answered
 * by the recorded fixtures beside them (anything not recorded fails as "command not found", the
 * way a probe fails on a machine missing a tool); Linux's is a real collection on this machine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { AuthentikFactsSchema } from "../../shared/facts/authentik.ts";
import { toAuthentikView } from "../../shared/facts/authentik-view.ts";
import { FactsSchema, type Facts } from "../../shared/facts/schema.ts";
import { fixture } from "./fixtures.ts";
import { collectFacts, collectWith, defaultCollectors } from "./index.ts";
import { known, type ProbeContext } from "./probe.ts";
import type { RunResult } from "./runner/run.ts";
import { WINDOWS_FIREWALL_SCRIPT } from "./network/windows.ts";
import { WINDOWS_VERSION_SCRIPT } from "./os/windows.ts";
import { WINDOWS_ANTIVIRUS_SCRIPT } from "./security/windows.ts";

const recorded = (family: string, name: string): string => fixture(new URL(`./${family}/index.ts`, import.meta.url).href, name);

/** A probe context whose commands answer from recordings; everything else is "command not found". */
function recordedContext(platform: NodeJS.Platform, commands: Record<string, string>, scripts: Record<string, string> = {}): ProbeContext {
  const answer = (key: string, stdout: string | undefined, name: string): RunResult =>
    stdout === undefined ? { ok: false, reason: `${name}: command not found` } : { ok: true, stdout, stderr: "", code: 0 };
  return {
    platform,
    elevated: known(true),
    run: async (argv) => answer(argv.join(" "), commands[argv.join(" ")], argv[0] ?? "?"),
    powershell: async (script) => answer(script, scripts[script], "powershell"),
    readText: async (path) => ({ ok: false, reason: `${path}: no such file` }),
    exists: async () => false,
    now: () => new Date("2025-11-20T12:00:00Z"),
    close: () => undefined,
  };
}

async function macDocument() {
  const ctx = recordedContext("darwin", {
    "sw_vers": recorded("os", "macos-13.3.1a.sw_vers.txt"),
    "diskutil apfs list": recorded("disks", "macos-apple-silicon.diskutil-apfs-list-excerpt.txt"),
    "fdesetup status": recorded("disks", "macos-2022.fdesetup-status-on.txt"),
    "/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate": recorded("network", "macos-26.socketfilterfw-getglobalstate.txt"),
    "/usr/libexec/ApplicationFirewall/socketfilterfw --getstealthmode": recorded("network", "macos-26.socketfilterfw-getstealthmode.txt"),
    "csrutil status": recorded("security", "macos.csrutil-status-enabled.txt"),
    "spctl --status": recorded("security", "macos.spctl-status-enabled.txt"),
    "profiles status -type enrollment": recorded("security", "macos-13.profiles-status-enrollment.txt"),
  });
  // systeminformation reads the machine it runs on, not a recording: hardware is left to the other OSes.
  const collectors = defaultCollectors(ctx).filter((c) => c.family !== "hardware");
  return collectWith(collectors, { cache: new Map(), fresh: true });
}

async function windowsDocument() {
  const ctx = recordedContext("win32", {}, {
    [WINDOWS_VERSION_SCRIPT]: recorded("os", "windows-10-21h2-en.currentversion.txt"),
    [WINDOWS_FIREWALL_SCRIPT]: recorded("network", "windows-fr.get-netfirewallprofile-domain.txt"),
    [WINDOWS_ANTIVIRUS_SCRIPT]: recorded("security", "windows-10-en.antivirusproduct-bitdefender-defender.txt"),
  });
  return collectWith(defaultCollectors(ctx), { cache: new Map(), fresh: true });
}

function nullLeaves(value: unknown, path = ""): string[] {
  if (value === null) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullLeaves(v, `${path}[${i}]`));
  if (typeof value === "object" && value !== undefined) {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => nullLeaves(v, path ? `${path}.${k}` : k));
  }
  return [];
}

function assertAuthentikAccepts(label: string, facts: Facts, unknown: Record<string, string>) {
  assert.equal(FactsSchema.safeParse(facts).success, true, `${label}: a valid Facet document to begin with`);
  const { data, omitted } = toAuthentikView(facts, unknown);
  const parsed = AuthentikFactsSchema.safeParse(data);
  assert.equal(parsed.success, true, `${label}: ${JSON.stringify(parsed.error?.issues.slice(0, 5))}`);
  assert.deepEqual(nullLeaves({ ...data, vendor: undefined }), [], `${label}: no null leaf is left for authentik to refuse`);
  for (const [path, reason] of Object.entries(omitted)) {
    assert.ok(!(path in unknown), `${label}: ${path} was not null in Facet's document, so it had no reason before`);
    assert.match(reason, /^left out of authentik's view: /);
  }
  return { data, omitted };
}

test("macOS: the document from recorded macOS outputs is refused as is and accepted as authentik's view", async () => {
  const { facts, unknown } = await macDocument();
  assert.equal(facts.os?.family, "mac_os");
  assert.ok((facts.disks ?? []).length > 0, "volumes from the recorded diskutil output");
  assert.equal(AuthentikFactsSchema.safeParse(facts).success, false, "explicit nulls are what authentik refuses");
  const { data } = assertAuthentikAccepts("macOS", facts, unknown);
  assert.equal(data.os?.version, facts.os?.version);
  assert.equal(data.network?.firewall_enabled, true);
});

test("Windows: the document from recorded Windows outputs is refused as is and accepted as authentik's view", async () => {
  const { facts, unknown } = await windowsDocument();
  assert.equal(facts.os?.family, "windows");
  assert.equal(facts.os?.version, "10.0.19044");
  assert.equal(AuthentikFactsSchema.safeParse(facts).success, false);
  const { data, omitted } = assertAuthentikAccepts("Windows", facts, unknown);
  assert.equal(data.os?.name, "Windows 10 Pro");
  // Hardware came back with no serial (nothing recorded): authentik requires one, so it is left out whole.
  if (facts.hardware !== null) {
    assert.equal(data.hardware, undefined);
    assert.match(omitted.hardware ?? "", /requires/);
  }
});

test("Linux: a real collection on this machine is accepted as authentik's view", async () => {
  const { facts, unknown } = await collectFacts({ fresh: true });
  assert.equal(facts.os?.family, "linux");
  const { data } = assertAuthentikAccepts("Linux (this machine)", facts, unknown);
  assert.equal(data.os?.arch, facts.os?.arch);
  if (facts.network?.hostname) assert.equal(data.network?.hostname, facts.network.hostname);
});

test("authentik's own documentation example is accepted as is, and its view keeps every value", () => {
  const example = JSON.parse(fixture(new URL("../../shared/facts/authentik.ts", import.meta.url).href, "authentik-docs.facts-linux.json")) as Record<string, unknown>;
  assert.equal(AuthentikFactsSchema.safeParse(example).success, true);
  const { data, omitted } = toAuthentikView(example, {});
  assert.deepEqual(omitted, {});
  const { software: _null, ...rest } = example;
  assert.deepEqual(data, rest, "only the null software list is left out");
  assert.equal(AuthentikFactsSchema.safeParse(data).success, true);
});
