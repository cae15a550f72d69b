/**
 * The paths that key a snapshot's `unknown` map: dots between object keys, brackets around array
 * indexes, vendor ids as they are (`vendor.facet.dev/agent.device_certificate`). The agent writes
 * them with this function and every reader looks reasons up with it.
 *
 * `joinFactPath("disks", "[0].name")` → `disks[0].name`; `joinFactPath("network", "")` → `network`.
 */
export function joinFactPath(prefix: string, key: string): string {
  if (!key) return prefix;
  if (!prefix) return key;
  return key.startsWith("[") ? `${prefix}${key}` : `${prefix}.${key}`;
}
