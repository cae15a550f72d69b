/**
 * The backends the store contract runs against. Each contract test file loops over these, so
 * SQLite and PostgreSQL pass the very same assertions; a behaviour one has and the other lacks
 * shows up as a failing test, not as a surprise in production.
 *
 * Both are opened through connector/store/open.ts, the path the connector itself uses.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../../../connector/store/open.ts";
import { createTestSchema, postgresSkipReason } from "../postgres-schema.ts";
import type { Store } from "../../../connector/store/types.ts";

export interface OpenedStore {
  store: Store;
  /** Opens a second, independent handle on the same data (another replica or process). */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

export interface Backend {
  name: "sqlite" | "postgres";
  /** A reason to skip (PostgreSQL unreachable outside CI), or false. */
  skip: string | false;
  open(options?: { historyLimit?: number }): Promise<OpenedStore>;
}

const sqlite: Backend = {
  name: "sqlite",
  skip: false,
  async open(options = {}) {
    const dir = mkdtempSync(join(tmpdir(), "facet-contract-"));
    const path = join(dir, "facet.db");
    const store = await openStore(path, options);
    const extra: Store[] = [];
    return {
      store,
      async reopen() {
        const s = await openStore(path, options);
        extra.push(s);
        return s;
      },
      async cleanup() {
        for (const s of [store, ...extra]) await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgres = (skip: string | false): Backend => ({
  name: "postgres",
  skip,
  async open(options = {}) {
    const schema = await createTestSchema();
    const store = await openStore(schema.url, options);
    const extra: Store[] = [];
    return {
      store,
      async reopen() {
        const s = await openStore(schema.url, options);
        extra.push(s);
        return s;
      },
      async cleanup() {
        for (const s of [store, ...extra]) await s.close();
        await schema.drop();
      },
    };
  },
});

export async function backends(): Promise<Backend[]> {
  return [sqlite, postgres(await postgresSkipReason())];
}
