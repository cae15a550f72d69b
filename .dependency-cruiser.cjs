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
      from: { path: "^connector/policy/" },
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
        "The admin CLI talks to the connector over its contract only: connector/api/ (each REST route's " +
        "schemas, the scope names, the version, and the files a connector on the same host leaves for it).",
      severity: "error",
      from: { path: "^connector/cli/", pathNot: "^connector/cli/os-catalog-build\\.ts$" },
      to: { path: "^connector/", pathNot: ["^connector/cli/", "^connector/api/"] },
    },
    {
      name: "cli-offline-catalog-build",
      comment:
        "`facet os-catalog build` talks to no connector: it builds a catalog file from saved feeds for " +
        "air-gapped sites with the connector's own catalog builder (policy/catalog/, pure by policy-is-pure), " +
        "so the file is the catalog the connector would have built. That and the contract, nothing else.",
      severity: "error",
      from: { path: "^connector/cli/os-catalog-build\\.ts$" },
      to: { path: "^connector/", pathNot: ["^connector/cli/", "^connector/api/", "^connector/policy/catalog/"] },
    },
    {
      name: "no-circular",
      comment:
        "A cycle between modules hides which one is the lower layer. Type-only imports do not count: " +
        "they vanish at run time.",
      severity: "error",
      from: { path: "^(agent|connector|shared)/" },
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
