/**
 * Rejection events (`agent.auth_failed`, `agent.protocol_error`, `snapshot.rejected`,
 * `enroll.rejected`) are caused by peers, often unauthenticated ones, so an attacker chooses their
 * rate. Recording each would let anyone fill the events table and the disk. This limiter records
 * the first few per source and type in each window and counts the rest; when the window ends it
 * records one `events.suppressed` event saying how many were dropped, for whom, and when.
 *
 * Sources are a remote address (IPv6 grouped by /64, which one host typically owns) or, after
 * authentication, a device id. Memory is bounded: past `maxSources` tracked sources, new sources
 * share one overflow entry, and a per-type budget caps the total across all sources.
 *
 * The summaries are bounded too: an attacker with many addresses (one rejection each, past the
 * per-type budget) would otherwise get one `events.suppressed` row per address. At most
 * `maxSummariesPerWindow` summaries name their source in each window; the rest are folded into
 * one summary per type, `{source: "(N sources)", sources: N, …}`, written when the window ends.
 *
 *   const rejections = new RejectionEvents({ store, now, log, perWindow: 10, windowMs: 60_000 });
 *   await rejections.record({ type: "agent.auth_failed", at, deviceId: null, data }, addressSource(ip));
 *   await rejections.stop(); // writes the pending summaries
 */
import { isIPv6 } from "node:net";
import type { Logger } from "pino";
import type { Clock } from "../options.ts";
import type { EventStore, NewEvent } from "../store/types.ts";

export const SUPPRESSED_EVENT = "events.suppressed";
/** The source shared by everything past the tracked-source limit. */
export const OVERFLOW_SOURCE = "(too many sources)";

export interface RejectionEventsOptions {
  store: Pick<EventStore, "recordEvent">;
  now: Clock;
  log: Logger;
  /** Events recorded per source and type per window. */
  perWindow: number;
  windowMs: number;
  /** Events recorded per type per window across all sources. Default 50 × perWindow. */
  perTypePerWindow?: number;
  /** Sources tracked at once. Default 10,000. */
  maxSources?: number;
  /** `events.suppressed` rows naming one source, per window across all sources. Default 20. */
  maxSummariesPerWindow?: number;
}

interface Folded {
  sources: number;
  suppressed: number;
  recorded: number;
  from: number;
  to: number;
}

interface Window {
  type: string;
  source: string;
  deviceId: string | null;
  startedAt: number;
  recorded: number;
  suppressed: number;
}

export class RejectionEvents {
  private readonly windows = new Map<string, Window>();
  private readonly perType = new Map<string, { startedAt: number; recorded: number }>();
  private readonly timer: NodeJS.Timeout;
  private readonly perTypeLimit: number;
  private readonly maxSources: number;
  private readonly writes = new Set<Promise<void>>();
  private readonly maxSummaries: number;
  private summaryWindow = { startedAt: 0, written: 0 };
  /** Summaries past the budget, per rejection type, until the next flush. */
  private readonly folded = new Map<string, Folded>();

  constructor(private readonly options: RejectionEventsOptions) {
    this.perTypeLimit = options.perTypePerWindow ?? options.perWindow * 50;
    this.maxSources = options.maxSources ?? 10_000;
    this.maxSummaries = options.maxSummariesPerWindow ?? 20;
    this.timer = setInterval(() => void this.flush(), options.windowMs);
    this.timer.unref();
  }

  /** Records the event unless its source (or its type overall) is over budget in this window. */
  async record(event: NewEvent, source: string): Promise<void> {
    const now = this.options.now();
    const window = this.windowFor(event.type, source, event.deviceId, now);
    const typeWindow = this.typeWindow(event.type, now);
    if (window.recorded >= this.options.perWindow || typeWindow.recorded >= this.perTypeLimit) {
      window.suppressed += 1;
      return;
    }
    window.recorded += 1;
    typeWindow.recorded += 1;
    await this.write(event);
  }

  /** Writes a summary for every window that has ended (all of them with `all`) and forgets it. */
  async flush(all = false): Promise<void> {
    const now = this.options.now();
    const ended: Window[] = [];
    for (const [key, window] of this.windows) {
      if (all || now - window.startedAt >= this.options.windowMs) {
        this.windows.delete(key);
        if (window.suppressed > 0) ended.push(window);
      }
    }
    for (const [type, w] of this.perType) if (all || now - w.startedAt >= this.options.windowMs) this.perType.delete(type);
    await Promise.all(ended.map((w) => this.summarise(w, now)));
    const folded = [...this.folded];
    this.folded.clear();
    await Promise.all(folded.map(([type, f]) => this.write(this.foldedSummary(type, f, now))));
    await Promise.all([...this.writes]);
  }

  /** Stops the timer and records what is still pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }

  /** Sources tracked right now (for tests and metrics). */
  get trackedSources(): number {
    return this.windows.size;
  }

  private windowFor(type: string, source: string, deviceId: string | null, now: number): Window {
    let key = `${type}\u0000${source}`;
    let window = this.windows.get(key);
    if (window && now - window.startedAt >= this.options.windowMs) {
      this.windows.delete(key);
      if (window.suppressed > 0) void this.summarise(window, now);
      window = undefined;
    }
    if (window) return window;
    if (this.windows.size >= this.maxSources) {
      key = `${type}\u0000${OVERFLOW_SOURCE}`;
      const overflow = this.windows.get(key);
      if (overflow) return overflow;
      source = OVERFLOW_SOURCE;
      deviceId = null;
    }
    window = { type, source, deviceId, startedAt: now, recorded: 0, suppressed: 0 };
    this.windows.set(key, window);
    return window;
  }

  private typeWindow(type: string, now: number): { startedAt: number; recorded: number } {
    let w = this.perType.get(type);
    if (!w || now - w.startedAt >= this.options.windowMs) {
      w = { startedAt: now, recorded: 0 };
      this.perType.set(type, w);
    }
    return w;
  }

  /** Writes the window's summary while the budget lasts, else folds it into its type's. */
  private summarise(w: Window, now: number): Promise<void> {
    if (now - this.summaryWindow.startedAt >= this.options.windowMs) this.summaryWindow = { startedAt: now, written: 0 };
    if (this.summaryWindow.written < this.maxSummaries) {
      this.summaryWindow.written += 1;
      return this.write(this.summary(w, now));
    }
    const to = Math.min(now, w.startedAt + this.options.windowMs);
    const f = this.folded.get(w.type);
    if (!f) this.folded.set(w.type, { sources: 1, suppressed: w.suppressed, recorded: w.recorded, from: w.startedAt, to });
    else {
      f.sources += 1;
      f.suppressed += w.suppressed;
      f.recorded += w.recorded;
      f.from = Math.min(f.from, w.startedAt);
      f.to = Math.max(f.to, to);
    }
    return Promise.resolve();
  }

  private foldedSummary(type: string, f: Folded, now: number): NewEvent {
    return {
      type: SUPPRESSED_EVENT,
      at: now,
      deviceId: null,
      data: { type, source: `(${f.sources} sources)`, sources: f.sources, suppressed: f.suppressed, recorded: f.recorded, from: f.from, to: f.to },
    };
  }

  private summary(w: Window, now: number): NewEvent {
    return {
      type: SUPPRESSED_EVENT,
      at: now,
      deviceId: w.deviceId,
      data: { type: w.type, source: w.source, suppressed: w.suppressed, recorded: w.recorded, from: w.startedAt, to: Math.min(now, w.startedAt + this.options.windowMs) },
    };
  }

  private write(event: NewEvent): Promise<void> {
    const p = this.options.store.recordEvent(event).catch((err: unknown) => this.options.log.error({ err, type: event.type }, "could not record event"));
    this.writes.add(p);
    void p.finally(() => this.writes.delete(p));
    return p;
  }
}

/** The rate-limiting source for a remote address: IPv4 as is, IPv6 by its /64 prefix. */
export function addressSource(address: string | null | undefined): string {
  if (!address) return "address:unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return `address:${mapped[1]}`;
  if (!isIPv6(address)) return `address:${address}`;
  return `address:${ipv6Groups(address).slice(0, 4).join(":")}::/64`;
}

export function deviceSource(deviceId: string): string {
  return `device:${deviceId}`;
}

/** The eight 16-bit groups of an IPv6 address, `::` expanded, zone id dropped. */
function ipv6Groups(address: string): string[] {
  const [head = "", tail] = address.split("%")[0]!.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((g) => g.replace(/^0+(?=.)/, ""));
}
