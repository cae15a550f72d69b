/**
 * The bytes of one received frame, as the session keeps them until the frame is answered.
 *
 * ws hands over either a view into a larger buffer it read from the socket (several small frames
 * in one read), which must be copied so that only this frame is kept and sent to a verify thread
 * (a message clones a view's whole buffer), or a buffer that holds exactly this frame and that
 * nothing else refers to once emitted (a frame that spanned several reads, as every real-size
 * snapshot does), which can be kept as it is rather than copied once more.
 */
export function ownedFrame(data: Buffer): Uint8Array {
  return isWholeBuffer(data) ? data : new Uint8Array(data);
}

/** Whether the bytes are all of a (non-shared) buffer: such a frame can be kept, or moved to another thread, as it is. */
export function isWholeBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
}
