/**
 * The compiled view (authentik-fit.ts behind toAuthentikView) against the implementation it
 * replaced, kept as an oracle in test/support/facts/authentik-view-oracle.ts: for every document the
 * two serialize to the same bytes, `data` and `omitted` alike, key order included.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { toAuthentikView } from "./authentik-view.ts";
import { OS_FAMILIES, type Facts, type Unknown } from "./schema.ts";
import { fixture } from "../../agent/collectors/fixtures.ts";
import { toAuthentikViewOracle } from "../../test/support/facts/authentik-view-oracle.ts";
import { linuxFacts, macFacts, windowsFacts } from "../../test/support/policy/fixtures.ts";
import { SAMPLE_UNKNOWN, sampleFacts } from "../../test/support/facts.ts";

function assertSameView(facts: unknown, unknown: Unknown, label = ""): void {
  const expected = JSON.stringify(toAuthentikViewOracle(facts as Facts, unknown));
  assert.equal(JSON.stringify(toAuthentikView(facts as Facts, unknown)), expected, label);
}

const blank = fc.constantFrom("", " ", "   ", "\t", "\n ", "\u00a0", "\u2003", "\ufeff");
const text = fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom("eth0", "/dev/sda1", "root", " padded "));
const integer = fc.oneof(fc.integer(), fc.maxSafeInteger());
const oddNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(1.5, 2.5, -0.5, -1.5, 0.49999999999999994, 511999999999.6, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, -0, NaN, Infinity, -Infinity),
);
const scalar = fc.oneof(text, blank, integer, oddNumber, fc.boolean(), fc.constant(null), fc.constant(undefined));
/** A key a document might add; Object.prototype's member names are tested on their own below. */
const extraKey = fc
  .oneof(fc.constantFrom("build", "fs_type", "patch", "uuid", "0", "10", "[0]", "a.b", ""), fc.string({ maxLength: 6 }))
  .filter((k) => !(k in Object.prototype));
const json = (key: fc.Arbitrary<string>): fc.Arbitrary<unknown> =>
  fc.letrec((tie) => ({
    value: fc.oneof({ maxDepth: 3 }, scalar, fc.array(tie("value"), { maxLength: 3 }), fc.dictionary(key, tie("value"), { maxKeys: 3 })),
  })).value;
/** Anything, where a declared field, a family or the document itself is expected. */
const wild = json(extraKey);
/** The value of a key authentik does not declare: read without the shape, so any key may appear in it. */
const addition = json(fc.oneof(extraKey, fc.constantFrom("__proto__", "constructor", "toString")));

/** A field of kind `good` that may instead be null, blank, fractional or of the wrong type. */
const field = (good: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: good, weight: 8 }, { arbitrary: fc.constant(null), weight: 2 }, { arbitrary: blank, weight: 1 }, { arbitrary: oddNumber, weight: 1 }, { arbitrary: wild, weight: 1 });
const char = field(fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom("eth0", "/dev/sda1", "root")));
const int = field(integer);
const bool = field(fc.boolean());

/** An object with any of `fields` (each may be missing) and some extra keys, in any order. */
function objectOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.record(fields, { requiredKeys: [] }), fc.dictionary(extraKey, addition, { maxKeys: 2 }))
    .chain(([declared, extra]) => {
      const entries = [...Object.entries(declared), ...Object.entries(extra)];
      return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length });
    })
    .map((entries) => Object.fromEntries(entries));
}

/** A list that may also be null, not a list, or have holes. */
const list = (item: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: fc.array(fc.oneof({ arbitrary: item, weight: 6 }, { arbitrary: wild, weight: 1 }), { maxLength: 4 }), weight: 8 },
    { arbitrary: fc.sparseArray(item, { maxLength: 4 }), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: wild, weight: 1 },
  );
const family = (object: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary: object, weight: 8 }, { arbitrary: fc.constant(null), weight: 1 }, { arbitrary: wild, weight: 1 });

const patch = objectOf({ last_patch_date: field(fc.constant("2026-12-02T06:48:37")), pending_security_updates: int });
const os = objectOf({
  family: field(fc.constantFrom(...OS_FAMILIES, "macos", "Linux")),
  name: char,
  version: char,
  arch: char,
  build: char,
  patch: family(patch),
});
const disk = objectOf({
  name: char,
  mountpoint: char,
  label: field(fc.string({ maxLength: 6 })),
  capacity_total_bytes: int,
  capacity_used_bytes: int,
  encryption_enabled: bool,
  fs_type: char,
});
const networkInterface = objectOf({ name: char, hardware_address: char, ip_addresses: list(char), dns_servers: list(char) });
const network = objectOf({ hostname: char, firewall_enabled: bool, interfaces: list(networkInterface), gateway: char, firewall: family(objectOf({ stealth: bool })) });
const hardware = objectOf({ model: char, manufacturer: char, serial: char, cpu_name: char, cpu_count: int, memory_bytes: int, uuid: char });
const software = objectOf({ name: char, version: field(fc.string({ maxLength: 6 })), source: char, path: char });
const processEntry = objectOf({ id: int, name: char, user: char });
const user = objectOf({ id: char, username: char, name: char, home: char });
const group = objectOf({ id: char, name: char });
const security = objectOf({ screen_lock: family(objectOf({ enabled: bool, timeout_seconds: int })), secure_boot: bool, tpm_present: bool });
const vendor = fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), fc.constant(null), wild);

const document = objectOf({
  os: family(os),
  disks: list(disk),
  network: family(network),
  hardware: family(hardware),
  software: list(software),
  processes: list(processEntry),
  users: list(user),
  groups: list(group),
  security: family(security),
  vendor,
});

const knownPath = fc.constantFrom("", "os", "os.family", "os.arch", "disks", "disks[0]", "disks[0].mountpoint", "network.firewall_enabled", "network.interfaces[0].hardware_address", "hardware.serial", "software[1].name", "processes[0].id", "vendor");
const unknownMap: fc.Arbitrary<Unknown> = fc.dictionary(fc.oneof(knownPath, fc.string({ maxLength: 8 })), fc.string({ maxLength: 20 }), { maxKeys: 6 });

test("the compiled view serializes as the pre-compilation one did, for any facts-like document", () => {
  fc.assert(
    fc.property(fc.oneof({ arbitrary: document, weight: 20 }, { arbitrary: wild, weight: 1 }), unknownMap, (doc, unknown) => assertSameView(doc, unknown)),
    { numRuns: 3_000 },
  );
});

test("the compiled view serializes as the pre-compilation one did, for the recorded documents", () => {
  // Recorded by Facet's own agent on its development VM (scripts/bench/record-agent-facts.ts).
  const agent = JSON.parse(readFileSync(new URL("../../scripts/bench/fixtures/linux-agent-facts.json", import.meta.url), "utf8")) as { facts: Facts; unknown: Unknown };
  assertSameView(agent.facts, agent.unknown, "linux-agent-facts.json");
  // Recorded by others: authentik's documentation example of a stored device-facts document.
  const authentikDocs = JSON.parse(fixture(new URL("./authentik.ts", import.meta.url).href, "authentik-docs.facts-linux.json")) as unknown;
  assertSameView(authentikDocs, {}, "authentik-docs.facts-linux.json");
});

test("the compiled view serializes as the pre-compilation one did, for the synthetic test documents", () => {
  for (const [label, facts] of [["linux", linuxFacts()], ["mac", macFacts()], ["windows", windowsFacts()], ["sample", sampleFacts()]] as const) {
    assertSameView(facts, SAMPLE_UNKNOWN, label);
  }
});

test("a key named like an Object.prototype member is one of Facet's additions, not a declared field", () => {
  // The pre-compilation view looked such keys up in the zod shape, found Object.prototype's member and threw.
  const facts = { os: { family: "linux", arch: "amd64", constructor: "x", toString: null, hasOwnProperty: { a: 1, b: null } } };
  const { data, omitted } = toAuthentikView(facts, {});
  assert.equal(JSON.stringify(data), '{"os":{"family":"linux","arch":"amd64","constructor":"x","hasOwnProperty":{"a":1}}}');
  assert.deepEqual(omitted, {});
});

test("a __proto__ key is left out of the view rather than becoming its prototype", () => {
  const facts = JSON.parse('{"disks":[{"name":"/dev/sda1","__proto__":{"mountpoint":"/"}}],"security":{"__proto__":{"a":1},"b":2}}') as Facts;
  const { data, omitted } = toAuthentikView(facts, {});
  assert.equal(JSON.stringify(data), '{"disks":[],"security":{"b":2}}');
  assert.equal(omitted["disks[0]"], "left out of authentik's view: authentik requires mountpoint, which is missing");
  assert.equal(Object.getPrototypeOf((data as Record<string, any>).security), Object.prototype);
  // fast-check's counterexample (seed -914384967): the oracle found Object.prototype in the zod shape and threw.
  assertSameView(JSON.parse('{"os":{"__proto__":{}}}'), {});
  assertSameView(facts, {});
});

test("an object that is not plain is read by its own keys and copied, as before", () => {
  const inherited = { toJSON: () => "inherited", mountpoint: "/inherited" };
  const disk = Object.assign(Object.create(inherited) as Record<string, unknown>, { name: "/dev/sda1", mountpoint: "/", fs_type: "ext4" });
  const tool = Object.assign(Object.create(null) as Record<string, unknown>, { 10: "ten", name: "tool", source: "dpkg", 2: "two" });
  const facts = { disks: [disk], software: [tool], os: Object.assign(Object.create(inherited) as Record<string, unknown>, { family: "linux", arch: "amd64" }) };
  assertSameView(facts, {});
  assert.equal(JSON.stringify(toAuthentikView(facts, {}).data), '{"disks":[{"name":"/dev/sda1","mountpoint":"/","fs_type":"ext4"}],"software":[{"2":"two","10":"ten","name":"tool","source":"dpkg"}],"os":{"family":"linux","arch":"amd64"}}');
});

test("an enumerable key added to Object.prototype does not reach the view", () => {
  const facts = { os: { family: "linux", arch: "amd64" }, software: [{ name: "tool", source: "dpkg" }], security: { a: 1 } };
  const prototype = Object.prototype as Record<string, unknown>;
  prototype.polluted = "yes";
  try {
    assertSameView(facts, {});
    assert.equal(JSON.stringify(toAuthentikView(facts, {}).data), JSON.stringify(facts));
  } finally {
    delete prototype.polluted;
  }
});
