/** Every API token scope: the contract's ScopeSchema (contract.ts), and the CLI's help and checks; held to the store's Scope type. */
import type { Scope } from "../store/types.ts";

export const SCOPES = [
  "admin", "devices:read", "devices:refresh", "devices:write", "policies:read", "policies:write",
  "events:read", "endpoint:check", "tokens:write", "fleet:read", "metrics:read",
] as const satisfies readonly Scope[];
