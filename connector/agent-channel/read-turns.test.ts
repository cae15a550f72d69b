import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, connect, Socket } from "node:net";
import { once } from "node:events";
import { ReadTurns, type TurnReader } from "./read-turns.ts";

/** A reader holding a real socket, as a session holds its ws (only the turn's hold here). */
class Reader implements TurnReader {
  holds = 0;
  constructor(private readonly socket: Socket) {}
  hold() {
    this.holds += 1;
    this.socket.pause();
  }
  release() {
    this.socket.resume();
  }
}

/**
 * `senders` peers each write `bytes` at once into real loopback sockets; the server side reads
 * through `turns` when given. Returns what each socket received, in order, and the most chunks
 * handled in one turn of the event loop (counted between two runs of a setImmediate chain, which
 * may split a turn's check phase: at most twice the budget can fall between two of its ticks).
 */
async function exchange(senders: number, bytes: number, turns?: ReadTurns) {
  const received: Buffer[][] = Array.from({ length: senders }, () => []);
  let inTurn = 0;
  let most = 0;
  let mostPutBack = 0;
  let ticking = true;
  const tick = () => {
    inTurn = 0;
    // Sockets whose bytes were read from the kernel but not handed on: read, then put back.
    const putBack = accepted.filter((socket, i) => socket.bytesRead > received[i]!.reduce((n, c) => n + c.length, 0)).length;
    mostPutBack = Math.max(mostPutBack, putBack);
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const accepted: Socket[] = [];
  // Stands in for ws's 'data' listener: one function for every socket.
  function onData(this: Socket, chunk: Buffer) {
    received[accepted.indexOf(this)]!.push(chunk);
    most = Math.max(most, ++inTurn);
  }
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on("data", onData);
    if (turns) assert.ok(turns.attach(socket, new Reader(socket)));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  const peers = await Promise.all(
    Array.from({ length: senders }, async () => {
      const peer = connect(port, "127.0.0.1");
      await once(peer, "connect");
      return peer;
    }),
  );
  while (accepted.length < senders) await new Promise((resolve) => setImmediate(resolve));
  // Each peer's payload says which peer it is, so a chunk delivered to the wrong stream or out of order shows.
  const payload = (i: number) => Buffer.alloc(bytes, i + 1);
  peers.forEach((peer, i) => peer.end(payload(i)));
  await Promise.all(accepted.map((s) => once(s, "end")));
  ticking = false;
  server.close();
  // Peers were connected in order but accepted in any order: match by content.
  const streams = received.map((chunks) => Buffer.concat(chunks));
  return { streams, expected: peers.map((_, i) => payload(i)), most, mostPutBack };
}

test("past the turn's budget, sockets wait for a later turn; every byte arrives, each socket's in order", async () => {
  const turns = new ReadTurns(1);
  const { streams, expected, most } = await exchange(20, 512 * 1024, turns);
  const firstBytes = (list: Buffer[]) => list.map((s) => s[0]!).sort((a, b) => a - b);
  assert.deepEqual(firstBytes(streams), firstBytes(expected), "each peer's bytes reached one socket");
  for (const stream of streams) {
    assert.equal(stream.length, 512 * 1024);
    assert.ok(stream.every((b) => b === stream[0]), "a socket received only its own peer's bytes");
  }
  assert.ok(most <= 2, `${most} chunks were handled in one turn with a budget of 1`);
  assert.equal(turns.waiting, 0);
});

test("a burst of sockets readable at once is stopped before libuv reads them all, and still every byte arrives", async () => {
  const turns = new ReadTurns(4);
  const { streams, expected, mostPutBack } = await exchange(64, 256 * 1024, turns);
  assert.deepEqual(streams.map((s) => s.length), expected.map((e) => e.length));
  // Without the sweep every one of the 64 sockets is read once and put back in the first turn.
  assert.ok(mostPutBack <= 16, `${mostPutBack} sockets were read and put back at once with a budget of 4`);
  assert.equal(turns.waiting, 0);
});

test("(baseline) without the budget, one turn handles many sockets' chunks", async () => {
  const { most } = await exchange(20, 512 * 1024);
  assert.ok(most > 4, `only ${most} chunks in a turn: the test no longer tells the budget apart`);
});

test("a socket without exactly one 'data' listener of the kind the others had is left as it was", () => {
  const turns = new ReadTurns(4);
  const bare = new Socket();
  assert.equal(turns.attach(bare, new Reader(bare)), false, "no listener");
  const ws = () => undefined;
  const first = new Socket().on("data", ws);
  assert.equal(turns.attach(first, new Reader(first)), true);
  const other = new Socket().on("data", () => undefined);
  assert.equal(turns.attach(other, new Reader(other)), false, "another reader than the first socket's");
  assert.equal(other.listenerCount("data"), 1);
  assert.throws(() => new ReadTurns(0), RangeError);
});
