import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { AgentFrameSchema } from "../../shared/protocol/messages.ts";
import { checkAgentFrame, wellFormedSnapshotFrame } from "./frame.ts";

const good = { type: "snapshot", body: '{"v":1}', signature: "A".repeat(86) + "==" };

test("takes the shortcut for well-formed snapshot frames and returns the parsed frame itself", () => {
  const frame = JSON.parse(JSON.stringify(good));
  assert.equal(wellFormedSnapshotFrame(frame), frame);
  const withRequest = { ...good, requestId: "r-1" };
  assert.equal(wellFormedSnapshotFrame(withRequest), withRequest);
});

test("leaves everything else to the schema, with the schema's message", () => {
  for (const frame of [
    { ...good, extra: 1 },
    { ...good, body: "x" },
    { ...good, signature: "not base64!" },
    { ...good, signature: "A".repeat(129) },
    { ...good, requestId: null },
    { ...good, requestId: "r".repeat(129) },
    JSON.parse(`{"type":"snapshot","body":"{}","signature":"AA==","__proto__":{}}`),
    { type: "auth", deviceId: "d", signature: "AA==", agentVersion: "1" },
    [good],
    null,
  ]) {
    assert.equal(wellFormedSnapshotFrame(frame), null, JSON.stringify(frame));
    const zod = AgentFrameSchema.safeParse(frame);
    const mine = checkAgentFrame(frame);
    assert.equal(mine.success, zod.success);
    if (!zod.success && !mine.success) assert.equal(mine.message, zod.error.issues[0]?.message);
  }
});

test("the shortcut never accepts a frame the schema refuses", () => {
  const value = fc.oneof(fc.string({ maxLength: 140 }), fc.constantFrom<unknown>(null, 1, true, [], {}, "A".repeat(128), "A".repeat(129), "snapshot", "auth"));
  const frame = fc.dictionary(fc.constantFrom("type", "body", "signature", "requestId", "extra", "__proto__"), value);
  fc.assert(
    fc.property(frame, fc.boolean(), (f, snapshot) => {
      const parsed = JSON.parse(JSON.stringify(snapshot ? { ...f, type: "snapshot" } : f));
      if (wellFormedSnapshotFrame(parsed) === null) return;
      const zod = AgentFrameSchema.safeParse(parsed);
      assert.equal(zod.success, true);
      assert.deepEqual(zod.data, parsed);
    }),
    { numRuns: 2000 },
  );
});
