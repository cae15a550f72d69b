/** Runs one block of contract tests once per backend, each test on a fresh, empty store. */
import { afterEach, beforeEach, describe } from "node:test";
import { backends, type Backend, type OpenedStore } from "./backends.ts";
import type { Store } from "../../../connector/store/types.ts";

export interface ContractContext {
  readonly store: Store;
  readonly backend: Backend["name"];
  reopen(): Promise<Store>;
}

export async function forEachBackend(title: string, body: (ctx: ContractContext) => void, options: { historyLimit?: number } = {}): Promise<void> {
  for (const backend of await backends()) {
    describe(`${title} [${backend.name}]`, { skip: backend.skip }, () => {
      let opened: OpenedStore | undefined;
      beforeEach(async () => {
        opened = await backend.open(options);
      });
      afterEach(async () => {
        await opened?.cleanup();
        opened = undefined;
      });
      body({
        get store() {
          if (!opened) throw new Error("store not open");
          return opened.store;
        },
        backend: backend.name,
        reopen: () => opened!.reopen(),
      });
    });
  }
}
