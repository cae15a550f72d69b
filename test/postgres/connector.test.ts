// The connector's integration suites again, on PostgreSQL: one schema per test connector.
// Node's test runner gives each file its own process, so this setting reaches only these imports.
process.env.FACET_TEST_STORE = "postgres";
await import("../connector/ingest.test.ts");
await import("../connector/rejection-events.test.ts");
await import("../connector/rest.test.ts");
