/**
 * The verify pool with its real threads (verify-worker.ts under tsx): the same verdicts as the
 * check run inline, frames held by a dying thread retried once and never answered by it, the
 * fall-back when threads cannot load, and close() stopping them. Frames are synthetic.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { Writable } from "node:stream";
import { readdirSync, readFileSync } from "node:fs";
import pino from "pino";
import { canonicalBytes, canonicalJson } from "../../shared/signing/canonical.ts";
import { authPayload } from "../../shared/protocol/messages.ts";
import { generateKeyPair, sign, type DeviceKeyPair } from "../../shared/signing/sign.ts";
import { FACTS_VERSION } from "../../shared/facts/schema.ts";
import { sampleFacts, SAMPLE_UNKNOWN } from "../../test/support/facts.ts";
import { createLogger } from "../log.ts";
import { frameVerdict, type FrameVerdict } from "./frame-verdict.ts";
import { inflateObject } from "../store/deflated-view.ts";
import { PublicKeyCache } from "./key-cache.ts";
import { authSignatureValid, type AuthProof } from "./auth-signature.ts";
import type { VerifyRequest } from "./verify-protocol.ts";
import { spawnVerifyThread, VerifyPool } from "./verify-pool.ts";
import { dyingVerifyThreads } from "../../test/support/verify-threads.ts";

const device = generateKeyPair();
const publicKey = Buffer.from(device.publicKey).toString("base64");
const silent = createLogger("silent");

function body(seq: number, extra: Record<string, unknown> = {}): string {
  return canonicalJson({ v: FACTS_VERSION, deviceId: "dev-1", seq, collectedAt: "2026-01-01T00:00:00.000Z", nonce: "n".repeat(43), agentVersion: "test", facts: sampleFacts(), unknown: SAMPLE_UNKNOWN, ...extra });
}

function frame(text: string, keys: DeviceKeyPair = device, extra: Record<string, unknown> = {}): Uint8Array {
  const signature = sign("snapshot", Buffer.from(text, "utf8"), keys.secretKey).toString("base64");
  return Buffer.from(JSON.stringify({ type: "snapshot", body: text, signature, ...extra }));
}

/** A thread's verdict with its view inflated, so a difference in the view shows as text. */
function viewAsText(verdict: FrameVerdict): unknown {
  if (verdict.kind !== "snapshot" || !verdict.body?.ok) return verdict;
  const { deflated, ...rest } = verdict.body.view;
  return { ...verdict, body: { ...verdict.body, view: { ...rest, json: inflateObject(verdict.body.view), deflated: [...deflated] } } };
}

/** One of each: accepted, and every refusal the threads decide, in the order ingest.ts states. */
const FRAMES: Array<[string, Uint8Array]> = [
  ["accepted", frame(body(1), device, { requestId: "r-1" })],
  ["bad signature", frame(body(2), generateKeyPair())],
  ["body not JSON", frame("{not json")],
  ["body not canonical", frame(body(3).replace('{"agentVersion"', '{ "agentVersion"'))],
  ["__proto__ key", frame(body(4).replace('"agentVersion":"test"', '"__proto__":{},"agentVersion":"test"'))],
  ["not a snapshot body", frame(canonicalJson({ hello: "world" }))],
  ["frame not JSON", Buffer.from("{")],
  ["frame not in the protocol", Buffer.from(JSON.stringify({ type: "snapshot", body: 1 }))],
  ["another frame", Buffer.from(JSON.stringify({ type: "auth", deviceId: "dev-1", signature: "AA==", agentVersion: "1" }))],
];

test("answers every kind of frame exactly as the check run inline does", async () => {
  const pool = new VerifyPool({ size: 2, log: silent, keys: new PublicKeyCache() });
  try {
    const inline = new PublicKeyCache();
    const verdicts = await Promise.all(FRAMES.map(([, bytes]) => pool.verify(bytes, publicKey)));
    FRAMES.forEach(([name, bytes], i) => assert.deepEqual(viewAsText(verdicts[i]!), viewAsText(frameVerdict(bytes, publicKey, inline)), name));
    const codes = verdicts.map((v) => (v.kind === "snapshot" ? (v.body?.ok ? "ok" : v.body?.code) : v.kind));
    assert.deepEqual(codes, ["ok", "bad_signature", "bad_snapshot", "non_canonical_body", "bad_snapshot", "bad_snapshot", "malformed", "malformed", "frame"]);
    assert.ok(pool.threads >= 1 && pool.threads <= 2);
  } finally {
    await pool.close();
  }
});

test("answers auth proofs as the check run inline does: right device, key and nonce only", async () => {
  const posted: unknown[] = [];
  const spawn = () => {
    const worker = spawnVerifyThread();
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message: unknown) => (posted.push(message), post(message));
    return worker;
  };
  const pool = new VerifyPool({ size: 1, log: silent, keys: new PublicKeyCache(), spawn });
  try {
    const signed = (nonce: string, keys: DeviceKeyPair = device) => sign("auth", canonicalBytes(authPayload("dev-1", nonce)), keys.secretKey).toString("base64");
    const proofs: AuthProof[] = [
      { deviceId: "dev-1", nonce: "n-1", signature: signed("n-1"), publicKey },
      { deviceId: "dev-1", nonce: "n-2", signature: signed("n-1"), publicKey },
      { deviceId: "dev-2", nonce: "n-1", signature: signed("n-1"), publicKey },
      { deviceId: "dev-1", nonce: "n-1", signature: signed("n-1", generateKeyPair()), publicKey },
      { deviceId: "dev-1", nonce: "n-1", signature: "AA==", publicKey },
    ];
    // A frame first, so a thread is up: before that, auth is checked on this thread (not waiting for one to load).
    await pool.verify(FRAMES[0]![1], publicKey);
    const answers = await Promise.all(proofs.map((p) => pool.verifyAuth(p)));
    assert.deepEqual(answers, [true, false, false, false, false]);
    const inline = new PublicKeyCache();
    assert.deepEqual(answers, proofs.map((p) => authSignatureValid(p, inline)));
    assert.equal(posted.filter((m) => (m as VerifyRequest).task.kind === "auth").length, proofs.length, "every proof went to the thread");
  } finally {
    await pool.close();
  }
});

test("auth proofs go ahead of the frames waiting for a thread", async () => {
  const posted: VerifyRequest["task"]["kind"][] = [];
  const spawn = () => {
    const worker = spawnVerifyThread();
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message: unknown) => (posted.push((message as VerifyRequest).task.kind), post(message));
    return worker;
  };
  const pool = new VerifyPool({ size: 1, log: silent, keys: new PublicKeyCache(), spawn });
  try {
    await pool.verify(FRAMES[0]![1], publicKey);
    posted.length = 0;
    const nonce = "n-1";
    const proof: AuthProof = { deviceId: "dev-1", nonce, signature: sign("auth", canonicalBytes(authPayload("dev-1", nonce)), device.secretKey).toString("base64"), publicKey };
    const frames = Array.from({ length: 10 }, () => pool.verify(FRAMES[0]![1], publicKey));
    const auth = pool.verifyAuth(proof);
    assert.equal(await auth, true);
    await Promise.all(frames);
    // The thread holds a few frames at once (the first posts); the proof is the next one it gets.
    const at = posted.indexOf("auth");
    assert.ok(at > 0 && at < 10, `posted: ${posted.join(" ")}`);
    assert.deepEqual(posted.slice(0, at), Array(at).fill("frame"));
    assert.equal(posted.length, 11);
  } finally {
    await pool.close();
  }
});

/** A body of about 40 KB (a few hundred software entries), past the size from which frames may be moved. */
function largeBody(seq: number): string {
  const software = Array.from({ length: 400 }, (_, i) => ({ name: `package-${i}`, version: `1.${i}.0`, source: "dpkg" }));
  return body(seq, { facts: sampleFacts({ software }) });
}

test("a large frame the caller gives away is moved to its thread, not copied, and answered the same", async () => {
  const pool = new VerifyPool({ size: 1, log: silent, keys: new PublicKeyCache() });
  try {
    await pool.verify(FRAMES[0]![1], publicKey);
    const bytes = frame(largeBody(7));
    const expected = viewAsText(frameVerdict(new Uint8Array(bytes), publicKey, new PublicKeyCache()));
    const kept = new Uint8Array(bytes);
    assert.deepEqual(viewAsText(await pool.verify(kept, publicKey)), expected, "kept: copied");
    assert.equal(kept.byteLength, bytes.byteLength);
    const given = new Uint8Array(bytes);
    const verdict = await pool.verify(given, publicKey, undefined, true);
    assert.equal(verdict.kind === "snapshot" && verdict.body?.ok, true);
    assert.deepEqual(viewAsText(verdict), expected, "given: moved");
    assert.equal(given.byteLength, 0, "the caller's buffer went to the thread");
    const small = new Uint8Array(FRAMES[0]![1]);
    await pool.verify(small, publicKey, undefined, true);
    assert.equal(small.byteLength, FRAMES[0]![1].byteLength, "a small frame is still copied");
  } finally {
    await pool.close();
  }
});

test("an accepted body comes back as the signed UTF-8 in a buffer of its own, moved from its thread, with the store's copies", async () => {
  const pool = new VerifyPool({ size: 1, log: silent, keys: new PublicKeyCache() });
  try {
    for (const text of [largeBody(8), body(9, { agentVersion: "tëst 💻" })]) {
      const verdict = await pool.verify(frame(text), publicKey);
      assert.ok(verdict.kind === "snapshot" && verdict.body?.ok);
      const received = verdict.body.body;
      assert.deepEqual(Buffer.from(received), Buffer.from(text, "utf8"));
      assert.equal(verdict.body.body.byteLength, Buffer.byteLength(text, "utf8"));
      // Its own buffer, past the domain prefix at most: nothing else rides along with the move.
      assert.ok(received.buffer.byteLength - received.byteLength <= "facet/v1/snapshot\n".length, `${received.buffer.byteLength} for ${received.byteLength}`);
      // The store's copies: the same bytes in buffers of their own, which the store may move on.
      const { storeCopy, view } = verdict.body;
      assert.deepEqual(Buffer.from(storeCopy.body), Buffer.from(text, "utf8"));
      assert.deepEqual(Buffer.from(storeCopy.view), Buffer.from(view.deflated));
      assert.notEqual(storeCopy.body.buffer, received.buffer);
      assert.notEqual(storeCopy.view.buffer, view.deflated.buffer);
    }
  } finally {
    await pool.close();
  }
});

test("a moved compact frame comes back with the thread's answer, for its second check", async () => {
  const pool = new VerifyPool({ size: 1, log: silent, keys: new PublicKeyCache() });
  try {
    await pool.verify(FRAMES[0]![1], publicKey);
    const text = largeBody(8);
    const signature = sign("snapshot", Buffer.from(text, "utf8"), device.secretKey).toString("base64");
    const compact = Buffer.from(JSON.stringify({ type: "snapshot", body: text, signature, digests: {} }));
    const given = new Uint8Array(compact);
    const first = await pool.verify(given, publicKey, undefined, true);
    assert.equal(first.kind, "compact");
    assert.equal(given.byteLength, 0);
    assert.ok(first.kind === "compact" && first.bytes && Buffer.from(first.bytes).equals(compact), "the same bytes came back");
  } finally {
    await pool.close();
  }
});

test("a moved frame whose thread dies fails at once: there is no copy to try again", async () => {
  // The first thread dies as the large frame is handed to it (after the frame that brings it up).
  let posts = 0;
  const spawn = () => {
    const worker = spawnVerifyThread();
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (message: unknown, transfer?: Parameters<Worker["postMessage"]>[1]) => (++posts === 2 ? void worker.terminate() : post(message, transfer));
    return worker;
  };
  const pool = new VerifyPool({ size: 1, log: silent, keys: new PublicKeyCache(), spawn });
  try {
    await pool.verify(FRAMES[0]![1], publicKey);
    await assert.rejects(pool.verify(frame(largeBody(9)), publicKey, undefined, true), /moved to stopped/);
    assert.equal((await pool.verify(FRAMES[0]![1], publicKey)).kind, "snapshot", "a new thread answers the next frame");
  } finally {
    await pool.close();
  }
});

test("a thread that dies holding a frame is replaced and the frame is checked by the new one", async () => {
  const threads = dyingVerifyThreads(1);
  const pool = new VerifyPool({ size: 1, log: silent, keys: new PublicKeyCache(), spawn: threads.spawn });
  try {
    const verdict = await pool.verify(FRAMES[0]![1], publicKey);
    assert.equal(verdict.kind === "snapshot" && verdict.body?.ok, true);
    assert.equal(threads.started.length, 2);
    assert.equal(pool.threads, 1);
  } finally {
    await pool.close();
  }
});

test("a frame two threads died on fails instead of being answered", async () => {
  const threads = dyingVerifyThreads(2);
  const pool = new VerifyPool({ size: 1, log: silent, keys: new PublicKeyCache(), spawn: threads.spawn });
  try {
    await assert.rejects(pool.verify(FRAMES[0]![1], publicKey), /2 verify threads stopped/);
    // The next frame gets a third, healthy thread.
    const verdict = await pool.verify(FRAMES[1]![1], publicKey);
    assert.equal(verdict.kind === "snapshot" && verdict.body?.ok === false && verdict.body.code, "bad_signature");
    assert.equal(threads.started.length, 3);
  } finally {
    await pool.close();
  }
});

test("threads whose code cannot load: said once in the log, frames checked on this thread", async () => {
  const lines: string[] = [];
  const log = pino({ level: "error" }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  let spawned = 0;
  const pool = new VerifyPool({
    size: 2,
    log,
    keys: new PublicKeyCache(),
    spawn: () => (spawned++, new Worker("throw new Error('no such module')", { eval: true })),
  });
  try {
    const verdicts = await Promise.all(FRAMES.slice(0, 2).map(([, bytes]) => pool.verify(bytes, publicKey)));
    assert.deepEqual(verdicts.map((v) => v.kind === "snapshot" && (v.body?.ok || v.body?.code)), [true, "bad_signature"]);
    assert.equal(pool.threads, 0);
    const tried = spawned;
    assert.ok(tried >= 3, `${tried} threads tried`);
    assert.equal((await pool.verify(FRAMES[0]![1], publicKey)).kind, "snapshot");
    assert.equal(spawned, tried, "no more threads are tried");
    assert.equal(lines.filter((l) => l.includes("verify threads cannot start")).length, 1);
  } finally {
    await pool.close();
  }
});

test("close() lets handed-over frames finish, then stops every thread", async () => {
  const started: Worker[] = [];
  const pool = new VerifyPool({ size: 2, log: silent, keys: new PublicKeyCache(), spawn: () => (started.push(spawnVerifyThread()), started.at(-1)!) });
  const pending = FRAMES.map(([, bytes]) => pool.verify(bytes, publicKey));
  const exits = started.map((w) => new Promise((resolve) => w.once("exit", resolve)));
  await pool.close();
  assert.equal((await Promise.all(pending)).length, FRAMES.length);
  await Promise.all(exits);
  assert.equal(pool.threads, 0);
  await assert.rejects(pool.verify(FRAMES[0]![1], publicKey), /closed/);
});

test("threads that cannot even be created: frames are still answered, on this thread", async () => {
  let tried = 0;
  const pool = new VerifyPool({
    size: 1,
    log: silent,
    keys: new PublicKeyCache(),
    spawn: () => {
      tried += 1;
      throw new Error("EMFILE: too many open files");
    },
  });
  try {
    const verdict = await pool.verify(FRAMES[0]![1], publicKey);
    assert.equal(verdict.kind === "snapshot" && verdict.body?.ok, true);
    assert.equal(tried, 3);
  } finally {
    await pool.close();
  }
});

test("verify threads run 10 steps nicer than the event loop, so sign-ins get the core first", { skip: process.platform !== "linux" && "thread nice values are Linux's" }, async () => {
  const niceOf = (task: string) => Number(readFileSync(`/proc/self/task/${task}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
  const pool = new VerifyPool({ size: 1, log: silent, keys: new PublicKeyCache() });
  try {
    const before = new Set(readdirSync("/proc/self/task"));
    await pool.verify(FRAMES[0]![1], publicKey);
    const added = readdirSync("/proc/self/task").filter((t) => !before.has(t));
    const own = niceOf(String(process.pid));
    assert.ok(added.some((t) => niceOf(t) === Math.min(19, own + 10)), `threads added: ${added.map((t) => `${t}:${niceOf(t)}`).join(", ")}`);
    assert.equal(niceOf(String(process.pid)), own, "the event loop's own priority is unchanged");
  } finally {
    await pool.close();
  }
});
