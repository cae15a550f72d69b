/**
 * Answers 200 with a JSON document held as pieces (a device view: its fields, then the stored
 * facts as read from the store, still deflated), written to the socket as they are. Joining them
 * first would copy tens of KB per `GET /v1/devices/{id}` into a buffer that is garbage once sent,
 * and that garbage is collected on the event loop that answers sign-ins (docs/performance.md).
 *
 * A client that accepts gzip (authentik's HTTP client does, as browsers and curl --compressed do)
 * gets the deflated pieces inside one gzip member (gzip-pieces.ts): nothing is compressed per
 * request. Any other client gets them inflated.
 *
 * On Node's server (@hono/node-server hands the response over as `c.env.outgoing`) the pieces go
 * out corked, in one writev; anywhere else (`app.request` in tests), and for HEAD (hono answers
 * it with a copy of the GET's response, which the server would try to write again), they are
 * joined once.
 */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";
import { accepts } from "hono/accepts";
import { inflatePieces, isDeflated } from "../store/deflated-view.ts";
import { gzipPieces, type DocumentPiece } from "./gzip-pieces.ts";

export function sendJsonPieces(c: Context, json: string | readonly DocumentPiece[]): Response {
  if (typeof json === "string") return c.body(json, 200, { "content-type": "application/json" });
  const headers: OutgoingHttpHeaders = { "content-type": "application/json" };
  let pieces: readonly Uint8Array[];
  if (!json.some(isDeflated)) pieces = json as readonly Uint8Array[];
  else {
    headers["vary"] = "Accept-Encoding";
    if (accepts(c, { header: "Accept-Encoding", supports: ["gzip", "identity"], default: "identity" }) === "gzip") {
      headers["content-encoding"] = "gzip";
      pieces = gzipPieces(json);
    } else pieces = inflatePieces(json);
  }
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  let length = 0;
  for (const piece of pieces) length += piece.byteLength;
  if (!outgoing || c.req.method === "HEAD") return c.body(Buffer.concat(pieces, length), 200, { ...headers, "content-length": String(length) } as Record<string, string>);
  outgoing.writeHead(200, { ...headers, "content-length": length });
  outgoing.cork();
  for (let i = 0; i < pieces.length - 1; i++) outgoing.write(pieces[i]);
  outgoing.end(pieces[pieces.length - 1]);
  return RESPONSE_ALREADY_SENT;
}
