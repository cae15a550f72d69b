/**
 * A TCP relay in front of a replica that can start dropping everything the replica sends back.
 * Snapshots keep reaching the replica and get committed, but their acks never arrive: the
 * "committed, then died before the ack reached the agent" case, made certain instead of lucky.
 */
import { createServer, connect, type Socket } from "node:net";

export interface ReplyDroppingProxy {
  port: number;
  dropReplies(): void;
  close(): Promise<void>;
}

export async function startReplyDroppingProxy(targetPort: number): Promise<ReplyDroppingProxy> {
  let dropping = false;
  const sockets = new Set<Socket>();
  const server = createServer((downstream) => {
    const upstream = connect(targetPort, "127.0.0.1");
    for (const s of [downstream, upstream]) {
      sockets.add(s);
      s.on("error", () => {});
      s.on("close", () => sockets.delete(s));
    }
    downstream.pipe(upstream);
    upstream.on("data", (chunk) => {
      if (!dropping) downstream.write(chunk);
    });
    upstream.on("close", () => downstream.destroy());
    downstream.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    port: address.port,
    dropReplies: () => {
      dropping = true;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
