/**
 * The boundary for policy documents: JSON from the REST API or a CLI file in, a typed
 * `PolicyBody` or a 400-ready list of issues out. Custom-check expressions are compiled here, so a
 * policy that would not evaluate is never stored.
 */
import { compileExpression } from "./cel/compile.ts";
import { AGENTLESS_PLATFORMS, PLATFORMS, PolicyBodySchema, READ_ONLY_FIELDS, type PolicyBody } from "./schema.ts";

export interface PolicyIssue {
  path: string;
  message: string;
}

export type PolicyParseResult =
  | { ok: true; body: PolicyBody }
  | { ok: false; code: "unsupported_platform" | "invalid_policy"; message: string; issues: PolicyIssue[] };

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join("") || "(policy)";
}

export function parsePolicyBody(input: unknown): PolicyParseResult {
  if (input === null || typeof input !== "object" || Array.isArray(input))
    return { ok: false, code: "invalid_policy", message: "invalid policy: expected a JSON object", issues: [{ path: "(policy)", message: "expected an object" }] };
  const { platform } = input as { platform?: unknown };
  if (typeof platform === "string" && (AGENTLESS_PLATFORMS as readonly string[]).includes(platform))
    return {
      ok: false,
      code: "unsupported_platform",
      message: `no agent for this platform: ${platform}. Facet policies cover ${PLATFORMS.join(", ")}.`,
      issues: [{ path: "platform", message: `no agent for this platform (${platform})` }],
    };

  const body = Object.fromEntries(Object.entries(input).filter(([key]) => !(READ_ONLY_FIELDS as readonly string[]).includes(key)));
  const parsed = PolicyBodySchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: formatPath(issue.path),
      message: issue.code === "unrecognized_keys" ? `unsupported field(s): ${issue.keys.join(", ")}` : issue.message,
    }));
    return { ok: false, code: "invalid_policy", message: summary(issues), issues };
  }

  const celIssues: PolicyIssue[] = [];
  parsed.data.customChecks?.forEach((check, i) => {
    const compiled = compileExpression(check.expression);
    if (!compiled.ok) celIssues.push({ path: `customChecks[${i}].expression`, message: compiled.error });
  });
  if (celIssues.length > 0) return { ok: false, code: "invalid_policy", message: summary(celIssues), issues: celIssues };
  return { ok: true, body: parsed.data };
}

function summary(issues: PolicyIssue[]): string {
  const first = issues[0]!;
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `invalid policy: ${first.path}: ${first.message}${more}`;
}
