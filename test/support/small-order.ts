/**
 * Every byte encoding of the eight small-order Ed25519 points, for tests. Not written here: the
 * y-coordinates are libsodium's `ge25519_has_small_order` blocklist
 * (github.com/jedisct1/libsodium src/libsodium/crypto_core/ed25519/ref10/ed25519_ref10.c:
 * y = 0 (order 4), 1 (order 1), the two order-8 values, p − 1 (order 2), and p, p + 1, the
 * non-canonical spellings of 0 and 1), each with the sign bit of x clear and set. The order-8 value
 * c7176a70…037a is also the R of vector 0 in "Taming the many EdDSAs" (novifinancial/ed25519-speccheck).
 */
const SMALL_ORDER_Y = [
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0100000000000000000000000000000000000000000000000000000000000000",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

/** 14 byte strings (hex) for 8 points: each y with the sign bit of x clear and set. */
export const SMALL_ORDER_ENCODINGS = SMALL_ORDER_Y.flatMap((y) => [y, y.slice(0, 62) + (parseInt(y.slice(62), 16) | 0x80).toString(16).padStart(2, "0")]);
