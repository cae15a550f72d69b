/**
 * The gzip member of stored and deflated pieces, read back by decoders we did not write: Node's
 * zlib, GNU gzip and Python's gzip module. CRC-32 combining is checked against zlib's own CRC of
 * the concatenation.
 */
import { spawnSync } from "node:child_process";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { constants, crc32, deflateRawSync, gunzipSync } from "node:zlib";
import fc from "fast-check";
import { crc32Combine } from "./crc32-combine.ts";
import type { DeflatedText } from "../store/deflated-view.ts";
import { gzipPieces, type DocumentPiece } from "./gzip-pieces.ts";

function deflated(bytes: Uint8Array): DeflatedText {
  return { deflated: deflateRawSync(bytes, { level: 3, finishFlush: constants.Z_SYNC_FLUSH }), crc32: crc32(bytes), length: bytes.byteLength };
}

const plainOf = (pieces: { bytes: Uint8Array; deflate: boolean }[]): Buffer => Buffer.concat(pieces.map((p) => p.bytes));
const piecesOf = (pieces: { bytes: Uint8Array; deflate: boolean }[]): DocumentPiece[] => pieces.map((p) => (p.deflate ? deflated(p.bytes) : p.bytes));

describe("crc32Combine", () => {
  it("gives zlib's CRC-32 of the concatenation", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), (a, b) => {
        assert.equal(crc32Combine(crc32(a), crc32(b), b.byteLength), crc32(Buffer.concat([a, b])));
      }),
      { numRuns: 500 },
    );
  });

  it("holds for a second part longer than 2^16 and 2^32 bytes", () => {
    const a = Buffer.from("head");
    const b = Buffer.alloc(70_000, 0x61);
    assert.equal(crc32Combine(crc32(a), crc32(b), b.byteLength), crc32(Buffer.concat([a, b])));
    // A length past 2^32 (a gzip trailer keeps it modulo 2^32, the CRC must not): zeros, fed to zlib a MiB at a time.
    const mib = Buffer.alloc(1 << 20);
    let zeros = 0;
    let whole = crc32(a);
    for (let i = 0; i < 4096; i++) [zeros, whole] = [crc32(mib, zeros), crc32(mib, whole)];
    [zeros, whole] = [crc32(Buffer.alloc(3), zeros), crc32(Buffer.alloc(3), whole)];
    assert.equal(crc32Combine(crc32(a), zeros, 2 ** 32 + 3), whole);
  });
});

describe("gzipPieces", () => {
  const piece = fc.record({ bytes: fc.uint8Array({ maxLength: 2_000 }), deflate: fc.boolean() });

  it("inflates to the pieces' concatenation (Node's zlib)", () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        assert.deepEqual(gunzipSync(Buffer.concat(gzipPieces(piecesOf(pieces)))), plainOf(pieces));
      }),
      { numRuns: 300 },
    );
  });

  it("splits a plain piece longer than a stored block holds (65,535 bytes)", () => {
    const big = Buffer.alloc(200_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    const pieces = [{ bytes: Buffer.from('{"a":'), deflate: false }, { bytes: big, deflate: false }, { bytes: Buffer.from("}"), deflate: true }];
    assert.deepEqual(gunzipSync(Buffer.concat(gzipPieces(piecesOf(pieces)))), plainOf(pieces));
  });

  const document = [
    { bytes: Buffer.from('{"id":"dev-1","name":"Ünïcode laptop","cached_facts":'), deflate: false },
    { bytes: Buffer.from(JSON.stringify({ data: { software: Array.from({ length: 500 }, (_, i) => ({ name: `package-${i}`, version: `1.${i}.0` })) } }).slice(0, -1)), deflate: true },
    { bytes: Buffer.from(',"created":"2026-12-03T00:00:00.000Z"}}'), deflate: false },
  ];

  it("is read by GNU gzip, which checks the CRC and the length", () => {
    const run = spawnSync("gzip", ["-d", "-c"], { input: Buffer.concat(gzipPieces(piecesOf(document))) });
    assert.equal(run.status, 0, run.stderr.toString());
    assert.deepEqual(run.stdout, plainOf(document));
  });

  it("is read by Python's gzip module", () => {
    const run = spawnSync("python3", ["-c", "import gzip, sys; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))"], { input: Buffer.concat(gzipPieces(piecesOf(document))) });
    assert.equal(run.status, 0, run.stderr.toString());
    assert.deepEqual(run.stdout, plainOf(document));
  });

  it("a wrong CRC or length is refused, so the trailer is checked", () => {
    const member = Buffer.concat(gzipPieces(piecesOf(document)));
    for (const at of [member.length - 8, member.length - 1]) {
      const broken = Buffer.from(member);
      broken[at]! ^= 1;
      assert.throws(() => gunzipSync(broken));
    }
  });
});
