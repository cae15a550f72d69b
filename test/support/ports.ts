/** A loopback port nothing listens on: bound on port 0, noted, closed. Free for a server to take, or refused to a client. */
import { createServer } from "node:net";

export function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
