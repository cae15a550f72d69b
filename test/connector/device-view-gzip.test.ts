/**
 * `GET /v1/devices/{id}` of a device whose view was stored at ingest, read by HTTP clients we did
 * not write: python-requests (what authentik's connectors use, which asks for gzip by default) and
 * curl, with and without `--compressed`. Each must read the same document a client that does not
 * accept gzip gets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { authenticatedAgent } from "../support/authenticated-agent.ts";
import { PYTHON } from "../support/authentik/doc-policy.ts";

const run = promisify(execFile);

const REQUESTS_GET = `
import json, sys, requests
r = requests.get(sys.argv[1], headers={"Authorization": "Bearer " + sys.argv[2]}, timeout=30)
r.raise_for_status()
print(json.dumps({"sent": r.request.headers.get("Accept-Encoding"), "encoding": r.headers.get("Content-Encoding"), "vary": r.headers.get("Vary"), "body": r.json()}))
`;

test("python-requests and curl read a stored view sent as gzip, the same document an identity client reads", async (t) => {
  const { tc, device, client } = await authenticatedAgent(t);
  assert.deepEqual(await client.sendSnapshot(device, { seq: 1 }), { type: "ack", seq: 1 });

  const url = `${tc.connector.url}/v1/devices/${device.deviceId}`;
  const auth = `authorization: Bearer ${tc.adminToken}`;
  const identity = await run("curl", ["-sS", "--fail", "-H", auth, "-H", "accept-encoding: identity", "-D", "-", url]);
  const [head, body] = identity.stdout.split("\r\n\r\n");
  assert.doesNotMatch(head!, /content-encoding/i);
  const expected = JSON.parse(body!) as { id: string; cached_facts: { data: unknown } | null };
  assert.equal(expected.id, device.deviceId);
  assert.ok(expected.cached_facts?.data, "the device has facts");

  const py = JSON.parse((await run(PYTHON, ["-c", REQUESTS_GET, url, tc.adminToken], { timeout: 60_000 })).stdout) as { sent: string; encoding: string | null; vary: string; body: unknown };
  assert.match(py.sent, /gzip/, "requests asks for gzip by default");
  assert.equal(py.encoding, "gzip");
  assert.equal(py.vary, "Accept-Encoding");
  assert.deepEqual(py.body, expected);

  const compressed = await run("curl", ["-sS", "--fail", "--compressed", "-H", auth, "-D", "-", url]);
  const [gzHead, gzBody] = compressed.stdout.split("\r\n\r\n");
  assert.match(gzHead!, /content-encoding: gzip/i);
  assert.deepEqual(JSON.parse(gzBody!), expected);
  // Each answer was the view deflated at ingest and kept by the lookup when the snapshot was acked:
  // no rendering from the body, no store read.
  const metrics = await (await tc.api("/metrics")).text();
  assert.match(metrics, /facet_cache_requests_total\{cache="facts",result="hit"\} 3/);
  assert.match(metrics, /facet_cache_requests_total\{cache="stored_views",result="hit"\} 0/);
});
