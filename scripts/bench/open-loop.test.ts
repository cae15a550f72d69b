import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { runOpenLoop } from "./open-loop.ts";

test("a run opens its connections first, unmeasured, and then times only the scheduled requests", async () => {
  let connections = 0;
  const seen: { path: string; connectionsOpen: number }[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? "", connectionsOpen: connections });
    res.end("ok");
  });
  server.on("connection", () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const result = await runOpenLoop({ url: `http://127.0.0.1:${port}`, method: "GET", path: (i) => `/${i}`, ratePerSecond: 200, durationMs: 100, openConnections: 4 });
    assert.equal(result.sent, 20);
    assert.equal(result.completed, 20);
    assert.equal(result.samples.latencyMs.length, 20);
    // The four unmeasured requests are numbered after the measured ones and came first, each on a connection of its own.
    assert.deepEqual(seen.slice(0, 4).map((s) => s.path).sort(), ["/20", "/21", "/22", "/23"]);
    assert.ok(seen[4]!.connectionsOpen >= 4, `connections open at the first measured request: ${seen[4]!.connectionsOpen}`);
    assert.equal(seen.length, 24);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
