/**
 * Parsed device public keys. Building a KeyObject costs more than the verify itself, and every
 * snapshot of a device uses the same key. Keyed by the base64 key, not the device id, so a
 * changed key can never be served stale.
 */
import type { KeyObject } from "node:crypto";
import { LRUCache } from "lru-cache";
import { publicKeyFromRaw, WeakPublicKeyError } from "../../shared/signing/verify.ts";

export class PublicKeyCache {
  /** `key` null for a stored key the strict rules refuse (enrolled before they existed): it verifies nothing. */
  private readonly keys: LRUCache<string, { key: KeyObject | null }>;
  /** Lookups answered and not, since start (for /metrics). */
  hits = 0;
  misses = 0;

  constructor(capacity = 10_000) {
    this.keys = new LRUCache({ max: capacity });
  }

  get(publicKeyBase64: string): KeyObject | null {
    const hit = this.keys.get(publicKeyBase64);
    if (hit !== undefined) {
      this.hits++;
      return hit.key;
    }
    this.misses++;
    let key: KeyObject | null;
    try {
      key = publicKeyFromRaw(Buffer.from(publicKeyBase64, "base64"));
    } catch (error) {
      if (!(error instanceof WeakPublicKeyError)) throw error;
      key = null;
    }
    this.keys.set(publicKeyBase64, { key });
    return key;
  }
}
