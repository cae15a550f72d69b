/** Linux packages from dpkg (Debian, Ubuntu) or rpm (Fedora, RHEL, SUSE). */
import type { SoftwareFacts } from "../../../shared/facts/schema.ts";

export const DPKG_QUERY = ["dpkg-query", "-W", "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\n"] as const;
export const RPM_QUERY = ["rpm", "-qa", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"] as const;

/** Only installed packages ("ii"), not removed-with-config ("rc"). */
export function parseDpkgQuery(text: string): SoftwareFacts[] {
  const out: SoftwareFacts[] = [];
  for (const line of text.split("\n")) {
    const [name, version, status] = line.split("\t");
    if (!name || !status?.startsWith("ii")) continue;
    out.push({ name, version: version || null, source: "dpkg" });
  }
  return out;
}

export function parseRpmQuery(text: string): SoftwareFacts[] {
  return text.split("\n").map((l) => l.split("\t")).filter(([n]) => n && n !== "gpg-pubkey")
    .map(([name, version]) => ({ name: name!, version: version || null, source: "rpm" }));
}
