/**
 * docs/integrations/authentik.md's expression policy, run verbatim (only its placeholder values
 * swapped, as an admin pasting it would) by python3 with `requests`, in harness.py, which provides
 * what authentik provides: `request.context`, `request.http_request.META`, `ak_message`, `requests`.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../../..", import.meta.url).pathname;
const MARKER = "<!-- facet:authentik-policy";

/** The python block after the marker in the doc: what an admin copies. */
export function authentikPolicyFromDocs(): string {
  const doc = readFileSync(join(root, "docs/integrations/authentik.md"), "utf8");
  const after = doc.slice(doc.indexOf(MARKER));
  const match = /```python\n([\s\S]*?)```/.exec(after);
  assert.ok(doc.includes(MARKER) && match, "docs/integrations/authentik.md lost its marked python block");
  return match[1]!;
}

export interface PolicySettings {
  url: string;
  token: string;
  policies: string[];
  /** FACET_MODE as an admin would set it; the doc's default (`required`) when omitted. */
  mode?: "required" | "optional" | "lookup";
}

/** The doc's block with its placeholders replaced; fails if any is left or none was found. */
export function configuredPolicy(body: string, settings: PolicySettings): string {
  const out = body
    .replace('"https://facet.example.com"', JSON.stringify(settings.url))
    .replace('"fct_REPLACE_WITH_TOKEN"', JSON.stringify(settings.token))
    .replace('["dae_REPLACE_WITH_POLICY_ID"]', JSON.stringify(settings.policies))
    .replace('FACET_MODE = "required"', `FACET_MODE = ${JSON.stringify(settings.mode ?? "required")}`);
  assert.notEqual(out, body);
  assert.ok(out.includes(`FACET_MODE = ${JSON.stringify(settings.mode ?? "required")}`), "the doc's block sets FACET_MODE");
  assert.ok(!out.includes("REPLACE_WITH"), "every placeholder is replaced");
  return out;
}

/** The first python3 that has `requests`: a pyenv or venv python may lack Debian's python3-requests. */
export const PYTHON = ["python3", "/usr/bin/python3"].find((bin) => spawnSync(bin, ["-c", "import requests"]).status === 0) ?? "python3";

export interface PolicyOutcome {
  passing: unknown;
  messages: string[];
}

let runs = 0;

/** Runs the doc's policy once; `meta` becomes `request.http_request.META` (omit it for no HTTP request). */
export function runDocPolicy(dir: string, settings: PolicySettings, context: Record<string, unknown>, meta?: Record<string, string>): Promise<PolicyOutcome> {
  runs += 1;
  const bodyPath = join(dir, `policy-${process.pid}-${runs}.py`);
  const contextPath = join(dir, `context-${process.pid}-${runs}.json`);
  writeFileSync(bodyPath, configuredPolicy(authentikPolicyFromDocs(), settings));
  writeFileSync(contextPath, JSON.stringify(context));
  const args = [join(root, "test/support/authentik/harness.py"), bodyPath, contextPath];
  if (meta !== undefined) {
    const metaPath = join(dir, `meta-${process.pid}-${runs}.json`);
    writeFileSync(metaPath, JSON.stringify(meta));
    args.push(metaPath);
  }
  return new Promise((resolve, reject) => {
    execFile(PYTHON, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`python failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout) as PolicyOutcome);
    });
  });
}
