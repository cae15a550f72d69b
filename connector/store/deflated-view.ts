/**
 * How a rendered view is stored: its JSON without the closing brace, raw-deflated and
 * sync-flushed, with the CRC-32 and length of that text. A reader that accepts gzip gets the stored
 * bytes as they are inside a gzip member (http/gzip-pieces.ts), with its freshness after them;
 * anyone else gets them inflated. Stored this way a real view is about a fifth of its text, so a
 * lookup reads a few SQLite pages instead of a chain of overflow pages, and writes that much less
 * to its socket (docs/performance.md).
 */
import { constants, crc32, deflateRawSync, inflateRawSync } from "node:zlib";

/** A run of UTF-8 text, raw-deflated and sync-flushed (more deflate blocks may follow), with the CRC-32 and length of the text. */
export interface DeflatedText {
  deflated: Uint8Array;
  crc32: number;
  length: number;
}

// zlib's fastest level: spent at ingest, on a verify thread, for every snapshot; the higher ones
// save a few percent of the bytes for up to four times the CPU (docs/performance.md).
const LEVEL = 1;

/** The open JSON object `json` (its closing brace left off), deflated, in a buffer of its own so it can be moved between threads. */
export function deflateOpenObject(json: string): DeflatedText {
  const open = Buffer.from(json.slice(0, -1), "utf8");
  const deflated = deflateRawSync(open, { level: LEVEL, finishFlush: constants.Z_SYNC_FLUSH });
  return { deflated: new Uint8Array(deflated), crc32: crc32(open), length: open.byteLength };
}

/** The UTF-8 of what `deflateOpenObject` was given, without its closing brace. */
export function inflateOpen(text: DeflatedText): Buffer {
  return inflateRawSync(text.deflated, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: text.length });
}

/** The JSON `deflateOpenObject` was given. */
export function inflateObject(text: DeflatedText): string {
  return `${inflateOpen(text).toString("utf8")}}`;
}

/**
 * The deflated bytes as a Buffer over the same memory, which the database drivers bind as a BLOB
 * or bytea: a message between threads delivers them as a plain Uint8Array.
 */
export function deflatedBuffer(text: DeflatedText): Buffer {
  const { buffer, byteOffset, byteLength } = text.deflated;
  return Buffer.from(buffer, byteOffset, byteLength);
}

export function isDeflated(piece: Uint8Array | DeflatedText): piece is DeflatedText {
  return !(piece instanceof Uint8Array);
}

/** A document held as pieces, some deflated, as plain UTF-8 pieces. */
export function inflatePieces(pieces: readonly (Uint8Array | DeflatedText)[]): Uint8Array[] {
  return pieces.map((p) => (isDeflated(p) ? inflateOpen(p) : p));
}
