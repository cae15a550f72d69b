/** A token bucket: `burst` frames at once, refilled at `perSecond`. One per connection. */
import type { Clock } from "../options.ts";

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: Clock,
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
