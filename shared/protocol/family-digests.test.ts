import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson, canonicalText } from "../signing/canonical.ts";
import { compactBodyText, expandBodyText, familyDigest, FamilyDigestsSchema } from "./family-digests.ts";
import type { Facts } from "../facts/schema.ts";

// Synthetic: a vendor map with integer-like keys, which JavaScript enumerates out of canonical order.
const facts = {
  os: null, disks: null, network: null, hardware: null, security: null,
  software: [{ name: "zsh", version: "5.9", source: "dpkg" }, { name: "émacs ☃", version: null, source: "dpkg" }],
  processes: [{ id: 1, name: "init", user: "root" }], users: null, groups: null,
  vendor: { "example.com/x": { "10": 1, "9": 2, b: [0.1, 1e21, -0] } },
} as unknown as Facts;
const body = { v: 1, deviceId: "dev_1", seq: 7, collectedAt: "2026-12-02T07:00:00.000Z", nonce: "n".repeat(20), agentVersion: "t", facts, unknown: { os: "x" } };
const own = (family: string) => canonicalText((facts as Record<string, unknown>)[family]);

test("a compact body rebuilds to exactly the canonical text of the full body", () => {
  const digests = { software: familyDigest("software", own("software")), vendor: familyDigest("vendor", own("vendor")) };
  const compact = compactBodyText(body, ["software", "vendor"]);
  assert.ok(!compact.includes("zsh") && !compact.includes("example.com"));
  const rebuilt = expandBodyText(compact, digests, {}, (family, digest) =>
    familyDigest(family, own(family)) === digest ? { value: (facts as Record<string, unknown>)[family], text: own(family) } : undefined);
  assert.deepEqual(rebuilt, { ok: true, text: canonicalJson(body) });
});

test("a digest nothing resolves is unknown_family_digest with the body's seq; a family both sent and digested is refused", () => {
  const compact = compactBodyText(body, ["software"]);
  const digest = familyDigest("software", "[]");
  assert.deepEqual(expandBodyText(compact, { software: digest }, {}, () => undefined), {
    ok: false, code: "unknown_family_digest", message: "no stored value of software has the digest named; send the snapshot in full", seq: 7,
  });
  const both = expandBodyText(canonicalJson(body), { software: digest }, {}, () => ({ value: [], text: "[]" }));
  assert.equal(both.ok === false && both.code, "bad_snapshot");
});

test("a digest is bound to its family, and digests name only known families", () => {
  assert.notEqual(familyDigest("users", "[]"), familyDigest("groups", "[]"));
  assert.equal(FamilyDigestsSchema.safeParse({ software: familyDigest("software", "[]") }).success, true);
  assert.equal(FamilyDigestsSchema.safeParse({ "software ": familyDigest("software", "[]") }).success, false);
  assert.equal(FamilyDigestsSchema.safeParse({ software: "sha256-abc" }).success, false);
});

test("a delta's edits, applied in order to the held list, rebuild the signed list; edits that do not fit it are refused", () => {
  const held = [{ id: 1, name: "init", user: "root" }, { id: 7, name: "sshd", user: "root" }, { id: 9, name: "bash", user: "ada" }];
  const now = [{ id: 1, name: "init", user: "root" }, { id: 8, name: "cron", user: "root" }, { id: 9, name: "bash", user: "ada" }, { id: 12, name: "vim", user: "ada" }];
  const full = { ...body, facts: { ...facts, processes: now } };
  const base = familyDigest("processes", canonicalJson(held));
  const resolve = (_family: string, digest: string) => (digest === base ? { value: held, text: canonicalJson(held) } : undefined);
  const compact = compactBodyText(full, ["processes"]);
  const edits = [{ at: 1, remove: 1, insert: [now[1]] }, { at: 3, remove: 0, insert: [now[3]] }];
  const rebuilt = expandBodyText(compact, {}, { processes: { base, edits } }, resolve);
  assert.equal(rebuilt.ok && rebuilt.text, canonicalJson(full));
  for (const bad of [[{ at: 2, remove: 0, insert: [] }, { at: 1, remove: 0, insert: [] }], [{ at: 3, remove: 1, insert: [] }]]) {
    const refused = expandBodyText(compact, {}, { processes: { base, edits: bad } }, resolve);
    assert.equal(refused.ok === false && refused.code, "bad_snapshot", JSON.stringify(bad));
  }
  const notAList = expandBodyText(compact, {}, { processes: { base, edits } }, () => ({ value: { id: 1 }, text: "{}" }));
  assert.equal(notAList.ok === false && notAList.code, "bad_snapshot");
});
