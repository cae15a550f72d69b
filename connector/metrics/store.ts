/**
 * Times every store call at the one boundary everything above the store goes through: the Store
 * interface. The wrapper is a Proxy, so the store keeps its identity for `instanceof` and for
 * per-store state, and each method still runs with the real store as `this`.
 *
 *   const store = instrumentStore(await openStore(location), metrics.storeOperations);
 */
import type { Histogram, Counter } from "prom-client";
import type { Store } from "../store/types.ts";

export interface StoreOperationMetrics {
  duration: Histogram<"operation">;
  errors: Counter<"operation">;
}

/** Not timed: lifecycle and test helpers, not operations anyone waits on in service. */
const UNTIMED = new Set<PropertyKey>(["close", "counts", "constructor", "then"]);

export function instrumentStore<S extends Store>(store: S, metrics: StoreOperationMetrics): S {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function" || UNTIMED.has(property) || typeof property !== "string") return value;
      let wrapper = wrapped.get(property);
      if (!wrapper) wrapped.set(property, (wrapper = timed(target, property, value as (...args: unknown[]) => unknown, metrics)));
      return wrapper;
    },
  });
}

function timed(target: object, operation: string, method: (...args: unknown[]) => unknown, metrics: StoreOperationMetrics) {
  const labels = { operation };
  const observe = (start: number, failed: boolean) => {
    metrics.duration.observe(labels, (performance.now() - start) / 1000);
    if (failed) metrics.errors.inc(labels);
  };
  return (...args: unknown[]): unknown => {
    const start = performance.now();
    let result: unknown;
    try {
      result = method.apply(target, args);
    } catch (error) {
      observe(start, true);
      throw error;
    }
    if (!(result instanceof Promise)) {
      observe(start, false);
      return result;
    }
    return result.then(
      (value) => {
        observe(start, false);
        return value;
      },
      (error: unknown) => {
        observe(start, true);
        throw error;
      },
    );
  };
}
