/**
 * Facet's layer rules, enforced by `npm run check:layers` (part of `npm test`). docs/architecture.md
 * draws the parts these rules keep apart.
 */
/** A test may drive both sides (an agent's CSR against the connector's CA); shipped code may not. */
const TESTS = "\\.test\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "agent-not-connector",
      comment: "The agent and the connector share only shared/ (the contract); neither imports the other.",
      severity: "error",
      from: { path: "^agent/", pathNot: TESTS },
      to: { path: "^connector/" },
    },
    {
      name: "connector-not-agent",
      comment: "The agent and the connector share only shared/ (the contract); neither imports the other.",
      severity: "error",
      from: { path: "^connector/", pathNot: TESTS },
      to: { path: "^agent/" },
    },
    {
      name: "shared-is-the-bottom",
      comment: "shared/ is the contract both sides build on; it imports neither side.",
      severity: "error",
      from: { path: "^shared/", pathNot: TESTS },
      to: { path: "^(agent|connector)/" },
    },
    {
      name: "policy-is-pure",
      comment:
        "policy/ evaluates values it is given: no store, no HTTP, no events, no compliance service. " +
        "Loading and storing belong to connector/compliance/.",
      severity: "error",
      from: { path: "^connector/policy/", pathNot: "^connector/policy/testing/" },
      to: { path: "^connector/(store|http|events|compliance|agent-channel|lookup|cluster|console|fleet|signin)/" },
    },
    {
      name: "http-middleware-not-routes",
      comment: "http/middleware/ (auth, validation, errors) is what routes build on; it knows no route.",
      severity: "error",
      from: { path: "^connector/http/middleware/" },
      to: { path: "^connector/http/routes/" },
    },
    {
      name: "collectors-not-transport",
      comment: "Collectors return facts; how (and whether) they travel is transport's business.",
      severity: "error",
      from: { path: "^agent/collectors/" },
      to: { path: "^agent/(transport|identity|certificate|service|cli)/" },
    },
    {
      name: "cli-only-over-rest",
      comment:
        "The admin CLI talks to the connector over its REST contract (connector/api/) only. The " +
        "other exceptions in pathNot are what it still borrows today, each to be removed.",
      severity: "error",
      from: { path: "^connector/cli/" },
      to: {
        path: "^connector/",
        pathNot: [
          "^connector/cli/",
          // The REST contract: each route's schemas, shared by the routes and the CLI.
          "^connector/api/",
          // to be removed: the CLI's local commands (serve-side bootstrap, state paths, version).
          "^connector/(bootstrap|paths|version)\\.ts$",
          // to be removed: the scope names `facet tokens create` offers.
          "^connector/tokens/scopes\\.ts$",
          // to be removed: `facet os-catalog` builds and diffs catalogs locally before uploading.
          "^connector/policy/catalog/",
          // to be removed: `facet policies` validates a policy file before uploading it.
          "^connector/policy/parse\\.ts$",
        ],
      },
    },
    {
      name: "no-circular",
      comment:
        "A cycle between modules hides which one is the lower layer. Type-only imports do not count: " +
        "they vanish at run time. The files in pathNot close cycles that are still to be broken.",
      severity: "error",
      from: {
        path: "^(agent|connector|shared)/",
        pathNot: [
          // to be removed: the CLI's program and its command modules register each other.
          "^connector/cli/program\\.ts$",
        ],
      },
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".json"] },
  },
};
