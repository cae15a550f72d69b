/**
 * One instance per app, keyed by the deps object its routes share: caches whose memory should be
 * spent once however many route modules use them, and that go away with the app.
 *
 *   export const factsCacheFor = perApp(() => new FactsJsonCache(FACTS_CACHE_BYTES));
 */
export function perApp<T>(create: () => T): (deps: object) => T {
  const instances = new WeakMap<object, T>();
  return (deps) => {
    let instance = instances.get(deps);
    if (instance === undefined) instances.set(deps, (instance = create()));
    return instance;
  };
}
