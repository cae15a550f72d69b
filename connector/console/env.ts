/** What the console's route modules share. */
import type { Context } from "hono";
import type { HttpDeps } from "../http/deps.ts";
import type { RestCall } from "./api.ts";
import type { PatchAgeCache } from "./patch-age.ts";
import type { ConsoleSession, ConsoleSessions } from "./session.ts";
import type { PageContext } from "./views/layout.tsx";

export type ConsoleVariables = { session: ConsoleSession; sessionId: string };
export type ConsoleContext = Context<{ Variables: ConsoleVariables }>;

export interface ConsoleEnv {
  deps: HttpDeps;
  rest: RestCall;
  sessions: ConsoleSessions;
  patchAges: PatchAgeCache;
}

/** Fixed notice texts chosen by a `notice` query key, so no page echoes text from a URL. */
const NOTICES: Record<string, { kind: "ok" | "error"; text: string }> = {
  revoked: { kind: "ok", text: "The device was revoked and its agent disconnected." },
  "policy-saved": { kind: "ok", text: "The policy was saved." },
  "policy-created": { kind: "ok", text: "The policy was created." },
  "policy-deleted": { kind: "ok", text: "The policy was deleted." },
  "token-revoked": { kind: "ok", text: "The token was revoked." },
  "not-connected": { kind: "error", text: "The device's agent is not connected, so it cannot be refreshed now." },
  "user-assigned": { kind: "ok", text: "The user was assigned to the device." },
  "user-unassigned": { kind: "ok", text: "The user was unassigned from the device." },
  "user-not-assigned": { kind: "error", text: "The user could not be assigned (a revoked device cannot be)." },
};

export function pageContext(c: ConsoleContext, section?: PageContext["section"]): PageContext {
  const session = c.get("session");
  const notice = NOTICES[c.req.query("notice") ?? ""] ?? null;
  return { who: session?.tokenName ?? null, csrf: session?.csrf ?? null, ...(section ? { section } : {}), notice };
}
