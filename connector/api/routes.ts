/** Every route of the REST API, as the contract (contract.ts) describes it. The web console (/console) and the agent WebSocket (/v1/agent, docs/protocol.md) are not part of it. */
import type { Answer, RouteSpec } from "./contract.ts";
import { deviceRoutes } from "./devices.ts";
import { eventRoutes } from "./events.ts";
import { fleetRoutes } from "./fleet.ts";
import { osCatalogRoutes } from "./os-catalog.ts";
import { policyRoutes } from "./policies.ts";
import { serviceRoutes } from "./service.ts";
import { tokenRoutes } from "./tokens.ts";

export const API_ROUTES = [...serviceRoutes, ...deviceRoutes, ...policyRoutes, ...osCatalogRoutes, ...eventRoutes, ...tokenRoutes, ...fleetRoutes] as const satisfies readonly RouteSpec[];

export type RouteId = (typeof API_ROUTES)[number]["id"];
export type ApiRoute<Id extends RouteId> = Extract<(typeof API_ROUTES)[number], { id: Id }>;
/** The JSON answer of the route `Id` with status `S`: what a client of this API receives. */
export type ApiAnswer<Id extends RouteId, S extends number = 200> = Answer<ApiRoute<Id>, S & keyof ApiRoute<Id>["responses"]>;
