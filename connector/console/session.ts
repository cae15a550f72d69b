/**
 * Console sessions: an admin signs in with an API token holding the `admin` scope and gets an
 * opaque session id in a cookie. The session lives in this process's memory (a restart signs
 * everyone out; several replicas behind one name need session affinity for /console) and holds
 * what the console needs to act as that token through the REST API in-process: the token's secret
 * never leaves the connector, the cookie carries only a random id, and the map is keyed by that
 * id's SHA-256 so a lookup's timing says nothing useful about live ids.
 *
 * A session ends on sign-out, after IDLE_MS without a request, after MAX_AGE_MS in all, or as soon
 * as its token is revoked or loses the admin scope (checked on every request).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const IDLE_MS = 30 * 60_000;
export const MAX_AGE_MS = 8 * 3600_000;
const MAX_SESSIONS = 10_000;

export interface ConsoleSession {
  tokenId: string;
  tokenName: string;
  /** The API token's secret, used only for in-process REST calls (api.ts). */
  secret: string;
  /** The synchronizer token every write must echo (csrfMatches). */
  csrf: string;
  createdAt: number;
  lastUsedAt: number;
}

const digest = (id: string) => createHash("sha256").update(id).digest("base64url");

export class ConsoleSessions {
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(private readonly clock: () => number) {}

  /** A new session; the returned id goes into the cookie and nowhere else. */
  create(token: { id: string; name: string }, secret: string): { id: string; session: ConsoleSession } {
    this.sweep();
    // Oldest first in a Map: at the cap, the least recently created session goes.
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = randomBytes(32).toString("base64url");
    const now = this.clock();
    const session: ConsoleSession = { tokenId: token.id, tokenName: token.name, secret, csrf: randomBytes(32).toString("base64url"), createdAt: now, lastUsedAt: now };
    this.sessions.set(digest(id), session);
    return { id, session };
  }

  /** The live session for a cookie value, its idle timer restarted; null when unknown or expired. */
  get(id: string | undefined): ConsoleSession | null {
    if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (!session) return null;
    const now = this.clock();
    if (now - session.lastUsedAt > IDLE_MS || now - session.createdAt > MAX_AGE_MS) {
      this.sessions.delete(key);
      return null;
    }
    session.lastUsedAt = now;
    return session;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(digest(id));
  }

  /** Ends every session of a token (revoked, or no longer admin). */
  endAllOf(tokenId: string): void {
    for (const [key, s] of this.sessions) if (s.tokenId === tokenId) this.sessions.delete(key);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.clock();
    for (const [key, s] of this.sessions) if (now - s.lastUsedAt > IDLE_MS || now - s.createdAt > MAX_AGE_MS) this.sessions.delete(key);
  }
}

/** Whether `presented` is the session's CSRF token, compared in constant time. */
export function csrfMatches(session: ConsoleSession, presented: string | undefined | null): boolean {
  if (typeof presented !== "string") return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
