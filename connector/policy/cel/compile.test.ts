import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluatePolicy } from "../evaluate.ts";
import { parsePolicyBody } from "../parse.ts";
import { inputOf, linuxFacts, macFacts, policyOf, windowsFacts } from "../../../test/support/policy/fixtures.ts";
import { CEL_POLICY_BUDGET_MS, compileExpression, CompiledExpressions } from "./compile.ts";

const appleOnly = {
  name: "Only Apple devices",
  platform: "MACOS",
  customChecks: [{ name: "apple-hardware", expression: 'facts.hardware.manufacturer.lowerAscii().startsWith("apple")', message: "Only Apple devices may sign in.", remediation: "Use your company-issued Mac." }],
};

function customCheck(policy: Record<string, unknown>, facts = macFacts()) {
  const evaluation = evaluatePolicy(inputOf(policyOf(policy), facts));
  return { evaluation, check: evaluation.checks.find((c) => c.check.startsWith("custom:"))! };
}

describe("custom checks (CEL over facts)", () => {
  test("passes when the expression is true", () => {
    const { check, evaluation } = customCheck(appleOnly);
    assert.equal(check.status, "PASS");
    assert.equal(evaluation.result, "PASS");
    assert.deepEqual(check.observed, { "hardware.manufacturer": "Apple Inc." });
  });

  test("fails with the author's message and remediation when false", () => {
    const { check } = customCheck(appleOnly, macFacts({ hardware: { manufacturer: "Dell Inc." } }));
    assert.equal(check.status, "FAIL");
    assert.equal(check.message, "Only Apple devices may sign in.");
    assert.equal(check.remediation, "Use your company-issued Mac.");
  });

  test("is UNKNOWN, not evaluated, when a fact it reads is null", () => {
    const policy = { ...appleOnly, customChecks: [{ name: "not-dell", expression: 'facts.hardware.manufacturer != "Dell Inc."', message: "no Dell" }] };
    const { check, evaluation } = customCheck(policy, macFacts({ hardware: { manufacturer: null } }));
    assert.equal(check.status, "UNKNOWN");
    assert.equal(evaluation.passing, false);
    assert.match(check.message ?? "", /hardware\.manufacturer is unknown/);
  });

  test("is UNKNOWN when a whole fact family is missing", () => {
    const { check } = customCheck(appleOnly, macFacts({ hardware: null }));
    assert.equal(check.status, "UNKNOWN");
  });

  test("is UNKNOWN when a list element it iterates holds a null", () => {
    const policy = { ...appleOnly, customChecks: [{ name: "all-encrypted", expression: "facts.disks.all(d, d.encryption_enabled)", message: "m" }] };
    const { check } = customCheck(policy, macFacts({ disks: [{ name: "d", mountpoint: "/", capacity_total_bytes: 1, capacity_used_bytes: 1, encryption_enabled: null }] }));
    assert.equal(check.status, "UNKNOWN");
  });

  test("reads list facts with macros", () => {
    const policy = { name: "l", platform: "LINUX", customChecks: [{ name: "no-telnet", expression: '!facts.software.exists(s, s.name == "telnetd")', message: "remove telnetd" }] };
    const facts = linuxFacts({ software: [{ name: "telnetd", version: "0.17", source: "dpkg" }] });
    assert.equal(customCheck(policy, facts).check.status, "FAIL");
    assert.equal(customCheck(policy, linuxFacts()).check.status, "PASS");
  });

  test("a type error at run time fails closed and says why", () => {
    const policy = { name: "w", platform: "WINDOWS", customChecks: [{ name: "cores", expression: "facts.os.name > 3", message: "m" }] };
    const { check } = customCheck(policy, windowsFacts());
    assert.equal(check.status, "FAIL");
    assert.match(check.message ?? "", /could not be evaluated/);
  });

  test("compiles once per policy version and reuses it", () => {
    const expressions = new CompiledExpressions();
    const first = expressions.compiledFor("dap_cache", 1, "c", "true");
    const again = expressions.compiledFor("dap_cache", 1, "c", "true");
    assert.ok(first.ok && again.ok);
    assert.equal(first.compiled, again.compiled);
    assert.equal(expressions.size, 1);
    const next = expressions.compiledFor("dap_cache", 2, "c", "true");
    assert.ok(next.ok);
    assert.notEqual(next.compiled, first.compiled);
  });

  test("finds the fact paths an expression reads", () => {
    const compiled = compileExpression('facts.hardware.manufacturer == "x" && facts["os"]["version"].startsWith("1") && facts.disks.all(d, d.internal)');
    assert.ok(compiled.ok);
    assert.deepEqual(compiled.compiled.paths.map((p) => p.join(".")).sort(), ["disks", "hardware.manufacturer", "os.version"]);
  });

  test("a dynamic index reads the facts it indexes with", () => {
    const compiled = compileExpression("facts.disks[facts.hardware.cpu_count].internal == true");
    assert.ok(compiled.ok);
    assert.deepEqual(compiled.compiled.paths.map((p) => p.join(".")).sort(), ["disks", "hardware.cpu_count"]);
  });
});

describe("which expressions run under the time guard", () => {
  const guarded = (expression: string) => {
    const compiled = compileExpression(expression);
    assert.ok(compiled.ok, expression);
    return compiled.compiled.needsTimeGuard;
  };
  test("plain comparisons and one comprehension run directly", () => {
    assert.equal(guarded('facts.hardware.manufacturer.startsWith("Apple") && facts.os.version != "1"'), false);
    assert.equal(guarded("facts.disks.all(d, d.encryption_enabled == true)"), false);
    assert.equal(guarded("facts.disks.exists(d, d.internal == true) && facts.users.all(u, u.username != \"root\")"), false);
  });
  test("regexes and nested comprehensions are guarded", () => {
    assert.equal(guarded('facts.hardware.model.matches("^Mac")'), true);
    const global = compileExpression('matches(facts.hardware.model, "^Mac")');
    assert.ok(!global.ok || global.compiled.needsTimeGuard, "the global form of matches is refused or guarded");
    assert.equal(guarded("facts.disks.all(d, facts.users.exists(u, u.name == d.name))"), true);
    assert.equal(guarded("facts.disks.map(d, d.name).exists(n, n == \"x\")"), false);
  });
});

describe("hostile expressions are rejected or bounded", () => {
  test("deep nesting is rejected when the policy is saved", () => {
    const parsed = parsePolicyBody({ ...appleOnly, customChecks: [{ name: "deep", expression: `${"(".repeat(200)}true${")".repeat(200)}`, message: "m" }] });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.issues[0]!.message, /maxDepth/);
  });

  test("an over-long expression is rejected", () => {
    const parsed = parsePolicyBody({ ...appleOnly, customChecks: [{ name: "long", expression: `"${"a".repeat(5000)}" == "a"`, message: "m" }] });
    assert.equal(parsed.ok, false);
  });

  test("a huge literal list is rejected", () => {
    const list = Array.from({ length: 500 }, (_, i) => i).join(",");
    const parsed = parsePolicyBody({ ...appleOnly, customChecks: [{ name: "list", expression: `size([${list}]) > 0`, message: "m" }] });
    assert.equal(parsed.ok, false);
  });

  test("a catastrophic regex over a literal is rejected at save time, within the time limit", () => {
    const started = performance.now();
    const parsed = parsePolicyBody({ ...appleOnly, customChecks: [{ name: "redos", expression: `"${"a".repeat(40)}!".matches("^(a+)+$")`, message: "m" }] });
    assert.equal(parsed.ok, false);
    if (!parsed.ok) assert.match(parsed.issues[0]!.message, /took longer than/);
    assert.ok(performance.now() - started < 5_000, "compilation must not hang");
  });

  test("a regex that is slow only on some device's facts is cut off at evaluation and fails closed", () => {
    const policy = { ...appleOnly, customChecks: [{ name: "redos", expression: 'facts.hardware.model.matches("^(a+)+$")', message: "m" }] };
    const started = performance.now();
    const { check, evaluation } = customCheck(policy, macFacts({ hardware: { model: `${"a".repeat(40)}!` } }));
    assert.equal(check.status, "FAIL");
    assert.match(check.message ?? "", /time limit/);
    assert.equal(evaluation.passing, false);
    assert.ok(performance.now() - started < 5_000);
  });

  test("nested comprehensions over large fact lists are cut off", () => {
    const policy = { name: "l", platform: "LINUX", customChecks: [{ name: "cube", expression: "facts.software.all(a, facts.software.all(b, facts.software.all(c, a.name != b.name || b.name == c.name || true)))", message: "m" }] };
    const software = Array.from({ length: 2000 }, (_, i) => ({ name: `pkg${i}`, version: "1", source: "dpkg" }));
    const { check } = customCheck(policy, linuxFacts({ software }));
    assert.equal(check.status, "FAIL");
    assert.match(check.message ?? "", /time limit/);
  });

  test("many slow checks share one time budget per evaluation", () => {
    const slow = Array.from({ length: 10 }, (_, i) => ({ name: `slow${i}`, expression: 'facts.hardware.model.matches("^(a+)+$")', message: "m" }));
    const started = performance.now();
    const evaluation = evaluatePolicy(inputOf(policyOf({ name: "m", platform: "MACOS", customChecks: slow }), macFacts({ hardware: { model: `${"a".repeat(40)}!` } })));
    const elapsed = performance.now() - started;
    assert.equal(evaluation.result, "FAIL");
    assert.ok(elapsed < CEL_POLICY_BUDGET_MS * 3, `took ${elapsed} ms`);
  });

  test("expressions cannot reach the host: no such functions exist", () => {
    for (const expression of ['process.exit(1) == null', 'require("fs") == null', 'eval("1") == 1', 'facts.constructor.constructor("return process")() == null']) {
      const parsed = parsePolicyBody({ ...appleOnly, customChecks: [{ name: "host", expression, message: "m" }] });
      if (parsed.ok) {
        const { check } = customCheck({ ...appleOnly, customChecks: [{ name: "host", expression, message: "m" }] });
        assert.notEqual(check.status, "PASS", expression);
      }
    }
  });
});
