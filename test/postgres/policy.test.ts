// The policy and endpoint-check suites against a live connector, on PostgreSQL.
// Node's test runner gives each file its own process, so this setting reaches only these imports.
process.env.FACET_TEST_STORE = "postgres";
await import("../policy/acceptance.test.ts");
await import("../policy/authentik.test.ts");
await import("../policy/cli.test.ts");
await import("../policy/endpoint-check.test.ts");
await import("../policy/policies-rest.test.ts");
await import("../policy/os-catalog-freshness.test.ts");
