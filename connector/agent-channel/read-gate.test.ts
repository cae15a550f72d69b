import { test } from "node:test";
import assert from "node:assert/strict";
import { ReadGate } from "./read-gate.ts";

class Socket {
  paused = false;
  pauses = 0;
  pause() {
    this.paused = true;
    this.pauses += 1;
  }
  resume() {
    this.paused = false;
  }
}

test("pauses each socket that delivers while the queue is full, resumes them all at half", () => {
  const gate = new ReadGate<Socket>(4);
  const [a, b] = [new Socket(), new Socket()];
  for (let i = 0; i < 3; i++) gate.enter(a);
  assert.equal(a.paused, false, "below the limit nothing is paused");
  gate.enter(b);
  assert.deepEqual([a.paused, b.paused], [false, true], "only the socket that delivered at the limit");
  gate.enter(a);
  gate.enter(b);
  assert.deepEqual([a.paused, b.paused, b.pauses], [true, true, 1]);
  assert.equal(gate.depth, 6);
  gate.leave();
  gate.leave();
  gate.leave();
  assert.deepEqual([a.paused, b.paused], [true, true], "still above half");
  gate.leave();
  assert.deepEqual([a.paused, b.paused, gate.pausedCount], [false, false, 0]);
});

test("a closed socket is forgotten, not resumed", () => {
  const gate = new ReadGate<Socket>(1);
  const a = new Socket();
  gate.enter(a);
  gate.forget(a);
  gate.leave();
  assert.equal(a.paused, true);
  assert.equal(gate.isPaused(a), false);
});
