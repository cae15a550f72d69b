/** Everything device assurance adds to the REST API, mounted as one module. */
import type { Hono } from "hono";
import type { AuthVariables } from "../middleware/auth.ts";
import { mountCompliance } from "./compliance.ts";
import type { HttpDeps } from "../deps.ts";
import { mountEndpointCheck } from "./endpoint.ts";
import { mountOsCatalog } from "./os-catalog.ts";
import { mountPolicies } from "./policies.ts";

export function mountPolicyRoutes(app: Hono<{ Variables: AuthVariables }>, deps: HttpDeps): void {
  mountPolicies(app, deps);
  mountCompliance(app, deps);
  mountEndpointCheck(app, deps);
  mountOsCatalog(app, deps);
}
