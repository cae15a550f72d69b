import { test } from "node:test";
import assert from "node:assert/strict";
import { ownedFrame } from "./owned-frame.ts";

test("a frame that is a view into a larger read is copied, exactly its bytes", () => {
  const read = Buffer.from('{"a":1}{"b":2}');
  const frame = read.subarray(7);
  const owned = ownedFrame(frame);
  assert.notEqual(owned.buffer, read.buffer);
  assert.equal(owned.byteLength, owned.buffer.byteLength);
  assert.equal(Buffer.from(owned).toString(), '{"b":2}');
});

test("a frame that is its buffer's only content is kept as it is", () => {
  const frame = Buffer.from(new ArrayBuffer(16));
  frame.write('{"snapshot":true}'.slice(0, 16));
  assert.equal(ownedFrame(frame), frame);
});

test("a pooled small buffer is never kept: others share its memory", () => {
  const frame = Buffer.from('{"type":"auth"}');
  assert.ok(frame.buffer.byteLength > frame.byteLength, "small Buffer.from strings come from the pool");
  assert.notEqual(ownedFrame(frame).buffer, frame.buffer);
});
