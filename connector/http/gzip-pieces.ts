/**
 * One gzip member (RFC 1952) made from pieces of a document without compressing anything per
 * request: a piece already raw-deflated at ingest (a stored view, store/deflated-view.ts) is copied
 * in as its deflate blocks, and the few hundred bytes around it that change per request (the
 * device's fields, the freshness) go in as stored blocks (RFC 1951 §3.2.4). The CRC-32 of the whole
 * is combined from the pieces' own, so the deflated bytes are never inflated to check them.
 *
 * A deflated piece must end on a byte boundary with no final block (a sync flush, Z_SYNC_FLUSH),
 * and reach back only into its own bytes (compressed on its own): then blocks may follow it.
 */
import { crc32 } from "node:zlib";
import { isDeflated, type DeflatedText } from "../store/deflated-view.ts";
import { crc32Combine } from "./crc32-combine.ts";

/** A document's UTF-8 in order: bytes as they are, or a run of it deflated (store/deflated-view.ts). */
export type DocumentPiece = Uint8Array | DeflatedText;

// ID1 ID2, CM = deflate, no flags, no mtime, XFL 0, OS unknown (255).
const HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
// An empty final stored block: what ends the deflate stream.
const LAST_BLOCK = Buffer.from([1, 0, 0, 0xff, 0xff]);
const MAX_STORED = 0xffff;

/** The gzip member of the pieces' concatenation, as buffers to write in order. */
export function gzipPieces(pieces: readonly DocumentPiece[]): Uint8Array[] {
  const out: Uint8Array[] = [HEADER];
  let crc = 0;
  let length = 0;
  for (const piece of pieces) {
    if (isDeflated(piece)) {
      out.push(piece.deflated);
      crc = crc32Combine(crc, piece.crc32, piece.length);
      length += piece.length;
      continue;
    }
    for (let start = 0; start < piece.byteLength; start += MAX_STORED) {
      const chunk = piece.subarray(start, start + MAX_STORED);
      out.push(storedBlockHeader(chunk.byteLength), chunk);
    }
    crc = crc32(piece, crc);
    length += piece.byteLength;
  }
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length >>> 0, 4);
  out.push(LAST_BLOCK, trailer);
  return out;
}

function storedBlockHeader(size: number): Buffer {
  const header = Buffer.alloc(5);
  // BFINAL 0, BTYPE 00; the rest of the byte is padding to the boundary.
  header.writeUInt16LE(size, 1);
  header.writeUInt16LE(~size & 0xffff, 3);
  return header;
}
