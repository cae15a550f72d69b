/** Every API token scope, for validation (http/routes/tokens.ts) and the CLI's help and checks. */
import type { Scope } from "../store/types.ts";

export const SCOPES = [
  "admin", "devices:read", "devices:refresh", "devices:write", "policies:read", "policies:write",
  "events:read", "endpoint:check", "tokens:write", "fleet:read", "metrics:read",
] as const satisfies readonly Scope[];
