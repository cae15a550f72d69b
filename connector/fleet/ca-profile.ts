/**
 * The device CA as Fleet serves its conditional-access CA: an unsigned XML plist (mobileconfig)
 * whose payload `com.fleetdm.conditional-access-ca` holds the DER certificate. authentik's Fleet
 * connector reads exactly that (`plistlib.loads`, shared/reference/authentik-fleet-connector.md §2.1)
 * and then verifies device certificates against it in its mTLS stage.
 */
import { X509Certificate } from "node:crypto";

export const CA_PAYLOAD_IDENTIFIER = "com.fleetdm.conditional-access-ca";

/** Deterministic UUIDs from the certificate, so the profile is byte-identical for the same CA. */
function uuidFrom(hex: string): string {
  const h = hex.padEnd(32, "0").slice(0, 32).toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function caProfile(caPem: string): string {
  const cert = new X509Certificate(caPem);
  const der = cert.raw.toString("base64");
  const fingerprint = cert.fingerprint256.replaceAll(":", "");
  // Every value below is a fixed string, base64 or hex: nothing needs XML escaping.
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>PayloadContent</key>
	<array>
		<dict>
			<key>PayloadCertificateFileName</key>
			<string>facet-device-ca.cer</string>
			<key>PayloadContent</key>
			<data>${der}</data>
			<key>PayloadDisplayName</key>
			<string>Facet device CA</string>
			<key>PayloadIdentifier</key>
			<string>${CA_PAYLOAD_IDENTIFIER}</string>
			<key>PayloadType</key>
			<string>com.apple.security.root</string>
			<key>PayloadUUID</key>
			<string>${uuidFrom(fingerprint)}</string>
			<key>PayloadVersion</key>
			<integer>1</integer>
		</dict>
	</array>
	<key>PayloadDisplayName</key>
	<string>Facet device CA</string>
	<key>PayloadIdentifier</key>
	<string>com.facet.device-ca</string>
	<key>PayloadType</key>
	<string>Configuration</string>
	<key>PayloadUUID</key>
	<string>${uuidFrom(fingerprint.slice(32))}</string>
	<key>PayloadVersion</key>
	<integer>1</integer>
</dict>
</plist>
`;
}
