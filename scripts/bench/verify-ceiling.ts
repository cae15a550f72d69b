/**
 * The ingest ceiling: how many snapshot signatures (of the body size the run sends) node:crypto's
 * native Ed25519 verifies per second on one core of this machine, measured the same way the connector verifies (domain prefix
 * concatenated, one cached KeyObject per device). Nothing a connector does per snapshot can be
 * cheaper than this, so ingest is reported as a fraction of it.
 */
import { verify } from "node:crypto";
import { domainMessage } from "../../shared/signing/domains.ts";
import { publicKeyFromRaw } from "../../shared/signing/verify.ts";
import { generateBenchKey } from "./device-keys.ts";
import { signedSnapshotFrame } from "./snapshot-frames.ts";
import { templateFor, type SnapshotSize } from "./snapshot-sizes.ts";

export interface CeilingResult {
  verifiesPerSecond: number;
  bodyBytes: number;
  frameBytes: number;
  /** The steady-state frame (family digests), for a body that has that form: what travels, not what is verified. */
  compact?: { bodyBytes: number; frameBytes: number };
}

export function measureVerifyCeiling(size: SnapshotSize, durationMs = 2000): CeilingResult {
  const samples = Array.from({ length: 64 }, (_, i) => {
    const key = generateBenchKey();
    const frameBytes = signedSnapshotFrame(templateFor(size, `dev_${i}`, i, "0.1.0-bench"), key.privateKey, 1, "nonce-0123456789abcdef");
    const frame = JSON.parse(frameBytes.toString("utf8")) as { body: string; signature: string };
    return {
      body: Buffer.from(frame.body, "utf8"),
      signature: Buffer.from(frame.signature, "base64"),
      publicKey: publicKeyFromRaw(key.publicKeyRaw),
      frameBytes: frameBytes.length,
    };
  });
  // Warm up the JIT and OpenSSL's code paths before timing.
  for (let i = 0; i < 500; i++) {
    const s = samples[i % samples.length]!;
    verify(null, domainMessage("snapshot", s.body), s.publicKey, s.signature);
  }
  let n = 0;
  const started = performance.now();
  let elapsed = 0;
  while ((elapsed = performance.now() - started) < durationMs) {
    for (let j = 0; j < 64; j++) {
      const s = samples[(n + j) % samples.length]!;
      if (!verify(null, domainMessage("snapshot", s.body), s.publicKey, s.signature)) throw new Error("ceiling sample failed to verify");
    }
    n += 64;
  }
  const template = templateFor(size, "dev_0", 0, "0.1.0-bench");
  const compactFrame = template.compact ? signedSnapshotFrame(template, generateBenchKey().privateKey, 2, "nonce-0123456789abcdef", undefined, undefined, true) : undefined;
  const compact = compactFrame && { frameBytes: compactFrame.length, bodyBytes: Buffer.byteLength((JSON.parse(compactFrame.toString("utf8")) as { body: string }).body) };
  return { verifiesPerSecond: (n / elapsed) * 1000, bodyBytes: samples[0]!.body.length, frameBytes: samples[0]!.frameBytes, ...(compact ? { compact } : {}) };
}
