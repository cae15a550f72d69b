/**
 * Answers 200 with a JSON document held as UTF-8 pieces (a device view: its fields, then the
 * stored facts as read from the store), written to the socket as they are. Joining them first
 * would copy tens of KB per `GET /v1/devices/{id}` into a buffer that is garbage once sent, and
 * that garbage is collected on the event loop that answers sign-ins (docs/performance.md).
 *
 * On Node's server (@hono/node-server hands the response over as `c.env.outgoing`) the pieces go
 * out corked, in one writev; anywhere else (`app.request` in tests), and for HEAD (hono answers
 * it with a copy of the GET's response, which the server would try to write again), they are
 * joined once.
 */
import type { ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { Context } from "hono";

export function sendJsonPieces(c: Context, json: string | readonly Uint8Array[]): Response {
  if (typeof json === "string") return c.body(json, 200, { "content-type": "application/json" });
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing || c.req.method === "HEAD") return c.body(Buffer.concat(json), 200, { "content-type": "application/json" });
  let length = 0;
  for (const piece of json) length += piece.byteLength;
  outgoing.writeHead(200, { "content-type": "application/json", "content-length": length });
  outgoing.cork();
  for (let i = 0; i < json.length - 1; i++) outgoing.write(json[i]);
  outgoing.end(json[json.length - 1]);
  return RESPONSE_ALREADY_SENT;
}
