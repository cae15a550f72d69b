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
  const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  return whole ? data : new Uint8Array(data);
}
