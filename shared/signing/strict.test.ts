/**
 * Strict Ed25519 against vectors we did not write:
 *  - the eight small-order points and their non-canonical encodings (test/support/small-order.ts,
 *    from libsodium's blocklist);
 *  - the edge-case signatures of "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, SSR 2020,
 *    https://eprint.iacr.org/2020/1244), from github.com/novifinancial/ed25519-speccheck
 *    cases.json at commit 336651ba7f1c1ae90b7deac7d175290863a00b66 (vectors 0–2, 6–9).
 * node:crypto itself accepts vectors 0–2 (small-order A or R): the first test shows it, so these
 * checks are not redundant.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { keyPairFromSeed, sign } from "./sign.ts";
import { hasSmallOrder, isCanonicalPoint, isCanonicalScalar, weakPublicKeyReason } from "./strict.ts";
import { publicKeyFromRaw, verifySignature, WeakPublicKeyError } from "./verify.ts";
import { SMALL_ORDER_ENCODINGS } from "../../test/support/small-order.ts";

const SPECCHECK = [
  // 0: S = 0, A and R small order: verifies under every formula.
  { n: 0, msg: "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6", key: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", sig: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000" },
  // 1: small-order A, mixed-order R.
  { n: 1, msg: "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79", key: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", sig: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04" },
  // 2: mixed-order A, small-order R.
  { n: 2, msg: "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab", key: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", sig: "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e" },
  // 6, 7: S > L.
  { n: 6, msg: "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40", key: "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623", sig: "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514" },
  { n: 7, msg: "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40", key: "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623", sig: "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22" },
  // 8, 9: non-canonical R (y = p).
  { n: 8, msg: "fdaebc429f4a735932a160da1301080c13280eea8bc280d1b392c6b9e6ba3a5a", key: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", sig: "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607" },
  { n: 9, msg: "84b698d39be126ff55fe45079e6c8bf64a0d7db6994560b4e96b7021eb39c1a1", key: "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", sig: "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f084d5b99c2a9463d9c8bd5026916996984eeec87ddf1d3be329006ace1b37b09" },
];

const SPKI = Buffer.from("302a300506032b6570032100", "hex");
const rawKeyObject = (hex: string) => createPublicKey({ key: Buffer.concat([SPKI, Buffer.from(hex, "hex")]), format: "der", type: "spki" });
const IDENTITY = "01" + "00".repeat(31);
/** R = identity, S = 0: "verifies" any message under the identity key in node:crypto. */
const FORGED = Buffer.from(IDENTITY + "00".repeat(32), "hex");

test("node:crypto alone accepts small-order keys and commitments (why strict.ts exists)", () => {
  for (const v of SPECCHECK.filter((v) => v.n <= 2)) {
    assert.equal(cryptoVerify(null, Buffer.from(v.msg, "hex"), rawKeyObject(v.key), Buffer.from(v.sig, "hex")), true, `speccheck vector ${v.n}`);
  }
  assert.equal(cryptoVerify(null, Buffer.from("any message at all"), rawKeyObject(IDENTITY), FORGED), true);
});

test("every encoding of every small-order point is refused as a public key", () => {
  assert.equal(SMALL_ORDER_ENCODINGS.length, 14);
  for (const hex of SMALL_ORDER_ENCODINGS) {
    const raw = Buffer.from(hex, "hex");
    assert.equal(hasSmallOrder(raw), true, hex);
    assert.match(weakPublicKeyReason(raw) ?? "", /small-order/, hex);
    assert.throws(() => publicKeyFromRaw(raw), WeakPublicKeyError, hex);
  }
});

test("non-canonical public keys (y ≥ p) are refused", () => {
  // y = p + 2 … 2^255 − 1: the only encodings with y ≥ p, with either sign bit.
  for (let excess = 2; excess <= 18; excess++) {
    for (const sign of [0, 0x80]) {
      const raw = Buffer.from("ed" + "ff".repeat(30) + "7f", "hex");
      raw[0] = 0xed + excess;
      raw[31] = 0x7f | sign;
      assert.equal(isCanonicalPoint(raw), false);
      assert.notEqual(weakPublicKeyReason(raw), null, raw.toString("hex"));
    }
  }
});

test("the strict checks refuse the speccheck vectors with a small-order point, S ≥ L or a non-canonical R", () => {
  for (const v of SPECCHECK) {
    const raw = Buffer.from(v.key, "hex");
    const key = weakPublicKeyReason(raw) === null ? publicKeyFromRaw(raw) : null;
    // The domain prefix changes the message, so verify the raw vector through the same rules.
    const sig = Buffer.from(v.sig, "hex");
    const strict = key !== null && !hasSmallOrder(sig.subarray(0, 32)) && isCanonicalScalar(sig.subarray(32));
    assert.equal(strict && cryptoVerify(null, Buffer.from(v.msg, "hex"), key, sig), false, `speccheck vector ${v.n}`);
  }
  assert.equal(isCanonicalScalar(Buffer.from("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", "hex")), false, "S = L");
  assert.equal(isCanonicalScalar(Buffer.from("ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", "hex")), true, "S = L − 1");
});

test("verifySignature refuses a small-order R, S ≥ L and a null (weak) key, and still accepts real signatures", () => {
  const pair = keyPairFromSeed(Buffer.alloc(32, 5));
  const key = publicKeyFromRaw(pair.publicKey);
  const body = Buffer.from('{"seq":1}');
  const good = sign("snapshot", body, pair.secretKey);
  assert.equal(verifySignature("snapshot", body, good, key), true);
  assert.equal(verifySignature("snapshot", body, good, null), false);
  assert.equal(verifySignature("snapshot", body, FORGED, key), false);
  // S + L is the same scalar mod L: OpenSSL would refuse it too, strict.ts refuses it first.
  const malleable = Buffer.from(good);
  let carry = 0;
  const l = Buffer.from("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", "hex");
  for (let i = 0; i < 32; i++) {
    const sum = malleable[32 + i]! + l[i]! + carry;
    malleable[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  if (carry === 0) assert.equal(verifySignature("snapshot", body, malleable, key), false);
});
