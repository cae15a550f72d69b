import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalBytes } from "./canonical.ts";
import { keyPairFromSeed, sign, verifyWithTweetnacl } from "./sign.ts";
import { publicKeyFromRaw, verifySignature } from "./verify.ts";
import { domainMessage } from "./domains.ts";

// RFC 8032 §7.1 test 1: the empty message under this seed has this exact signature, so both
// libraries are checked against the standard, not just against each other.
const RFC_SEED = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex");
const RFC_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const RFC_SIGNATURE =
  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

test("tweetnacl derives the RFC 8032 public key from the seed", () => {
  assert.equal(Buffer.from(keyPairFromSeed(RFC_SEED).publicKey).toString("hex"), RFC_PUBLIC);
});

test("node:crypto verifies the RFC 8032 vector and rejects a flipped bit", async () => {
  const { verify } = await import("node:crypto");
  const key = publicKeyFromRaw(Buffer.from(RFC_PUBLIC, "hex"));
  const sig = Buffer.from(RFC_SIGNATURE, "hex");
  assert.equal(verify(null, Buffer.alloc(0), key, sig), true);
  sig[0] = (sig[0] ?? 0) ^ 1;
  assert.equal(verify(null, Buffer.alloc(0), key, sig), false);
});

test("a tweetnacl signature over a canonical body is byte-identical and verifies in node:crypto", () => {
  const pair = keyPairFromSeed(Buffer.alloc(32, 7));
  const body = canonicalBytes({ seq: 3, deviceId: "d1", facts: { os: { name: "Ubuntu" } } });
  const signature = sign("snapshot", body, pair.secretKey);
  assert.equal(
    signature.toString("hex"),
    // Fixed vector: Ed25519 is deterministic, so this changes only if the domain prefix,
    // the canonical form or the library's output changes.
    FIXED_SNAPSHOT_SIGNATURE,
  );
  assert.equal(verifySignature("snapshot", body, signature, publicKeyFromRaw(pair.publicKey)), true);
  assert.equal(verifyWithTweetnacl("snapshot", body, signature, pair.publicKey), true);
});

test("node:crypto signing from the same seed produces the same bytes as tweetnacl", async () => {
  const { createPrivateKey, sign: cryptoSign } = await import("node:crypto");
  const seed = Buffer.alloc(32, 7);
  // PKCS#8 DER prefix for an Ed25519 private key; the 32-byte seed follows.
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const body = canonicalBytes({ seq: 3, deviceId: "d1", facts: { os: { name: "Ubuntu" } } });
  const message = Buffer.concat([Buffer.from("facet/v1/snapshot\n"), body]);
  assert.equal(cryptoSign(null, message, privateKey).toString("hex"), sign("snapshot", body, keyPairFromSeed(seed).secretKey).toString("hex"));
});

test("a signature made for one domain never verifies in another", () => {
  const pair = keyPairFromSeed(Buffer.alloc(32, 9));
  const body = canonicalBytes({ deviceId: "d1", nonce: "n".repeat(32) });
  const authSig = sign("auth", body, pair.secretKey);
  const key = publicKeyFromRaw(pair.publicKey);
  assert.equal(verifySignature("auth", body, authSig, key), true);
  assert.equal(verifySignature("snapshot", body, authSig, key), false);
  assert.equal(verifySignature("enroll", body, authSig, key), false);
});

test("canonical bytes sort keys and are independent of insertion order", () => {
  assert.equal(canonicalBytes({ b: 1, a: { d: [1, 2], c: "é" } }).toString("utf8"), '{"a":{"c":"é","d":[1,2]},"b":1}');
  assert.deepEqual(canonicalBytes({ x: 1, y: 2 }), canonicalBytes({ y: 2, x: 1 }));
});

test("verify rejects a truncated signature instead of throwing", () => {
  const pair = keyPairFromSeed(Buffer.alloc(32, 1));
  const key = publicKeyFromRaw(pair.publicKey);
  assert.equal(verifySignature("snapshot", Buffer.from("{}"), Buffer.alloc(10), key), false);
});

const FIXED_SNAPSHOT_SIGNATURE =
  "697014a38d3be7eeb72ae7647a346a18996ad2ad4652746a2c43e11d1d157be566cce9f05d1213f3c771bc1279ccd65731ddeb238af8ec494ac5d3ec2252cd04";

test("a text body signs and verifies as its UTF-8 bytes, characters beyond ASCII included", () => {
  const pair = keyPairFromSeed(Buffer.alloc(32, 11));
  const key = publicKeyFromRaw(pair.publicKey);
  for (const text of ["", "plain", '{"name":"Zoë\'s Mac","emoji":"💻","cjk":"東京"}', "x".repeat(70_000) + "é"]) {
    const bytes = Buffer.from(text, "utf8");
    assert.deepEqual(domainMessage("snapshot", text), domainMessage("snapshot", bytes), `${text.slice(0, 20)}: the same message`);
    const signature = sign("snapshot", bytes, pair.secretKey);
    assert.equal(verifySignature("snapshot", text, signature, key), true);
    assert.equal(verifySignature("auth", text, signature, key), false);
  }
});
