/**
 * The names a device certificate carries. Two SAN URIs name the device:
 *
 * - `urn:facet:device:<id>`: Facet's own; verify.ts reads the device from it and from nothing else.
 * - `urn:device:apple:uuid:<id lower-case>`: what authentik's Fleet mTLS stage matches (every SAN
 *   URI with that prefix removed and lower-cased is looked up as a device uuid,
 *   /work/shared/reference/authentik-fleet-connector.md §4), so authentik can use this CA unchanged.
 *
 * The subject CN is the device id too, for people and logs reading the certificate.
 */

/** Device ids are UUIDs today (connector/tokens/secrets.ts); anything wider is refused from a certificate. */
const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const FACET_PREFIX = "urn:facet:device:";
const FLEET_PREFIX = "urn:device:apple:uuid:";

export function deviceSanUris(deviceId: string): string[] {
  return [`${FACET_PREFIX}${deviceId}`, `${FLEET_PREFIX}${deviceId.toLowerCase()}`];
}

/**
 * The device id named by a certificate's `subjectAltName` (node:crypto's rendering, e.g.
 * `URI:urn:facet:device:…, URI:urn:device:apple:uuid:…`), or null when there is not exactly one
 * well-formed Facet device URI.
 */
export function deviceIdFromSubjectAltName(subjectAltName: string | undefined): string | null {
  if (!subjectAltName) return null;
  // Node quotes an entry that contains a comma or quote (JSON string syntax); a device id never does,
  // so a quoted Facet URI is not ours and splitting on ", " is safe for the entries we accept.
  const ids = subjectAltName
    .split(", ")
    .filter((entry) => entry.startsWith(`URI:${FACET_PREFIX}`))
    .map((entry) => entry.slice(`URI:${FACET_PREFIX}`.length));
  if (ids.length !== 1) return null;
  return DEVICE_ID.test(ids[0]!) ? ids[0]! : null;
}
