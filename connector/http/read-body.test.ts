import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import { connect } from "node:net";
import { test, type TestContext } from "node:test";
import { readBodyText } from "./app.ts";

/** A server handing each request to readBodyText, and a raw socket to send it exactly the bytes a test wants. */
async function serve(t: TestContext, maxBytes: number) {
  const outcomes: Promise<string | null>[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const outcome = readBodyText(req, maxBytes);
    outcomes.push(outcome);
    outcome.then((text) => res.end(text === null ? "too large" : `read ${text.length}`), () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as { port: number }).port;
  const send = async (length: number, parts: Buffer[], end: boolean) => {
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${length}\r\n\r\n`);
    for (const part of parts) {
      socket.write(part);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const answer = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (d) => (text += d.toString())).on("close", () => resolve(text));
    });
    if (end) socket.end();
    else socket.destroy();
    while (outcomes.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    return { outcome: outcomes.shift()!, answer };
  };
  return { send };
}

test("a body in several chunks is read whole: a character split between chunks, a leading BOM dropped", async (t) => {
  const { send } = await serve(t, 1000);
  const bytes = Buffer.from("\uFEFF{\"user\":\"zoë\"}", "utf8");
  const split = bytes.indexOf(0xc3) + 1; // inside ë
  const { outcome } = await send(bytes.length, [bytes.subarray(0, split), bytes.subarray(split)], true);
  assert.equal(await outcome, '{"user":"zoë"}');
});

test("a body over the limit is drained and answered with null", async (t) => {
  const { send } = await serve(t, 10);
  const { outcome, answer } = await send(30, [Buffer.alloc(15, "a"), Buffer.alloc(15, "b")], true);
  assert.equal(await outcome, null);
  assert.match(await answer, /too large$/);
});

test("a client gone before the end of its body fails the read instead of leaving it waiting", async (t) => {
  const { send } = await serve(t, 1000);
  const { outcome } = await send(100, [Buffer.alloc(10, "a")], false);
  await assert.rejects(outcome);
});
