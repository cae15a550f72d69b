/**
 * Strict Ed25519 encodings, as libsodium enforces them and node:crypto (OpenSSL) does not.
 *
 * OpenSSL verifies `[S]B = R + [k]A` as RFC 8032 writes it, for any point that decodes. With a
 * small-order public key A (the identity `01 00…00` above all) `[k]A` vanishes or cycles through
 * eight values, so one fixed signature (`R = identity, S = 0`) "verifies" every message: a
 * universal forgery for anyone who enrolls such a key. And since each point has several byte
 * encodings, one key could be enrolled several times. So the connector refuses:
 *   - public keys and commitments R that are small-order points, in any encoding (libsodium's
 *     `ge25519_has_small_order` blocklist: the y-coordinates of the eight points of order
 *     dividing 8, plus p and p + 1, the non-canonical spellings of 0 and 1, either sign of x);
 *   - public keys whose y is not below p (`ge25519_is_canonical`);
 *   - signatures whose S is not below the group order L (`sc25519_is_canonical`; OpenSSL also
 *     checks this, but the rule belongs here with the others).
 * All inputs here are public, so nothing needs constant time.
 */

/** p = 2^255 − 19, little-endian. */
const P = hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
/** L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
const L = hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

/** The y-coordinates (sign bit cleared) of every encoding of a point of order 1, 2, 4 or 8. */
const SMALL_ORDER_Y = [
  "0000000000000000000000000000000000000000000000000000000000000000", // y = 0: the two points of order 4
  "0100000000000000000000000000000000000000000000000000000000000000", // y = 1: the identity
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // two points of order 8
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // the other two of order 8
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p − 1: order 2
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p ≡ 0, non-canonical
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1 ≡ 1, non-canonical
].map(hex);

function hex(text: string): Buffer {
  return Buffer.from(text, "hex");
}

/** a < b for 32-byte little-endian integers. */
function lessThan(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (a[i]! !== b[i]!) return a[i]! < b[i]!;
  }
  return false;
}

/** The point's y-coordinate as encoded, sign bit of x cleared. */
function yOf(point: Uint8Array): Buffer {
  const y = Buffer.from(point.subarray(0, 32));
  y[31] = y[31]! & 0x7f;
  return y;
}

export function hasSmallOrder(point: Uint8Array): boolean {
  if (point.length !== 32) return true;
  const y = yOf(point);
  return SMALL_ORDER_Y.some((bad) => bad.equals(y));
}

/** y < p. (An x of 0 with the sign bit set is also non-canonical, but only y = ±1 have x = 0: small order.) */
export function isCanonicalPoint(point: Uint8Array): boolean {
  return point.length === 32 && lessThan(yOf(point), P);
}

export function isCanonicalScalar(scalar: Uint8Array): boolean {
  return scalar.length === 32 && lessThan(scalar, L);
}

/** Why a raw public key must not be used, or null when it may. */
export function weakPublicKeyReason(raw: Uint8Array): string | null {
  if (raw.length !== 32) return `must be 32 bytes, got ${raw.length}`;
  if (hasSmallOrder(raw)) return "is a small-order Ed25519 point";
  if (!isCanonicalPoint(raw)) return "is not a canonically encoded Ed25519 point (y ≥ p)";
  return null;
}

/** Whether the 64-byte signature's encoding may verify at all: R not small order, S < L. */
export function isStrictSignature(signature: Uint8Array): boolean {
  return signature.length === 64 && !hasSmallOrder(signature.subarray(0, 32)) && isCanonicalScalar(signature.subarray(32));
}
