/**
 * A fake feed server on 127.0.0.1 serving the recorded SOFA, endoflife.date and MSRC responses
 * (connector/policy/catalog/sources/fixtures/, provenance in its README), so `update` runs its
 * real HTTP path without the internet. Each route's answer can be swapped mid-test: another
 * recording, a truncated body, an error status, or a dropped connection.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CatalogSources } from "../../connector/os-catalog/sources.ts";

export const FIXTURES = new URL("../../connector/policy/catalog/sources/fixtures/", import.meta.url).pathname;
export const recording = (name: string): string => readFileSync(join(FIXTURES, name), "utf8");

export type Answer = { body: string; status?: number } | "drop";

export interface FeedServer {
  sources: CatalogSources;
  /** What each path answers; a path not here is a 404. */
  routes: Map<string, Answer>;
  /** Requests seen, by path. */
  hits: string[];
  close(): Promise<void>;
}

/** SOFA at /sofa/macos_data_feed.json, endoflife.date at /eol/<product>.md, MSRC at /msrc/<id>. */
export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, Answer>();
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    hits.push(path);
    const answer = routes.get(path);
    if (answer === "drop") return void req.socket.destroy();
    if (!answer) return void res.writeHead(404).end("not found");
    res.writeHead(answer.status ?? 200, { "content-type": path.endsWith(".md") ? "text/markdown" : "application/json" }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const product of ["ubuntu", "debian", "fedora", "rhel", "windows"]) routes.set(`/eol/${product}.md`, { body: recording(`endoflife-${product}-2026-08-22.md`) });
  return {
    sources: { sofa: `${base}/sofa/macos_data_feed.json`, endoflife: `${base}/eol/{product}.md`, msrc: `${base}/msrc/{id}` },
    routes,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
