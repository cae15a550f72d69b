/**
 * Admission of agent WebSockets that have not authenticated yet. Until `auth` succeeds a
 * connection costs a session, a timer and buffers for up to `authTimeoutMs`, and its peer is
 * anyone: without a bound, one address could open thousands and hold them all. So pending
 * connections are capped per source (addressSource: IPv4, IPv6 /64) and in total, and refused at
 * the upgrade (429 / 503 with Retry-After) before any session exists.
 *
 * A session leaves the count when it closes or authenticates. Authentication is noticed lazily —
 * only when a limit would refuse someone are the pending sessions re-checked — so the common path
 * costs two map updates.
 */
export interface PendingSession {
  readonly authenticated: boolean;
}

export type Admission = "ok" | "per_address" | "total";

export class PendingAdmissions<S extends PendingSession> {
  private readonly sources = new Map<S, string>();
  private readonly perSource = new Map<string, number>();

  constructor(
    private readonly maxPerSource: number,
    private readonly maxTotal: number,
  ) {}

  get size(): number {
    return this.sources.size;
  }

  check(source: string): Admission {
    let verdict = this.verdict(source);
    if (verdict !== "ok") {
      this.sweep();
      verdict = this.verdict(source);
    }
    return verdict;
  }

  add(session: S, source: string): void {
    this.sources.set(session, source);
    this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
  }

  release(session: S): void {
    const source = this.sources.get(session);
    if (source === undefined) return;
    this.sources.delete(session);
    const n = (this.perSource.get(source) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(source);
    else this.perSource.set(source, n);
  }

  private verdict(source: string): Admission {
    if (this.sources.size >= this.maxTotal) return "total";
    if ((this.perSource.get(source) ?? 0) >= this.maxPerSource) return "per_address";
    return "ok";
  }

  private sweep(): void {
    for (const session of [...this.sources.keys()]) if (session.authenticated) this.release(session);
  }
}
