/** Local accounts from /etc/passwd (not `getent`, which would enumerate a whole LDAP directory). */
import type { UserFacts } from "../../../shared/facts/schema.ts";

export function parsePasswd(text: string): UserFacts[] {
  const out: UserFacts[] = [];
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#") || line.startsWith("+")) continue;
    const [username, , uid, , gecos, home] = line.split(":");
    if (!username || uid === undefined || !/^\d+$/.test(uid)) continue;
    out.push({ id: uid, username, name: gecos?.split(",")[0] || null, home: home || null });
  }
  return out;
}
