/**
 * A full disk, for real: the SQLite database lives on its own small tmpfs, which the test fills to
 * the last byte. While it is full the connector must say so in the words the docs promise —
 * 503 store_unavailable from the endpoint check and from a refresh (not a 500 that reads as a bug,
 * not refresh_timeout), /readyz 503 naming the store, /healthz still 200 (the process is alive) —
 * and recover once space is freed. Needs root to mount; skipped with the reason otherwise.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConnector } from "../../connector/app.ts";
import { createLogger } from "../../connector/log.ts";
import { issueApiToken, issueEnrollToken } from "../../connector/tokens/issue.ts";
import { ProtocolClient, enrollTestDevice } from "../support/protocol-client.ts";
import { sampleFacts } from "../support/facts.ts";
import { until } from "../support/until.ts";

function mountTmpfs(): { dir: string; unmount(): void } | string {
  if (process.platform !== "linux") return "tmpfs mounts need Linux";
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root";
  const dir = mkdtempSync(join(tmpdir(), "facet-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4M", "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    rmdirSync(dir);
    return `mount -t tmpfs failed here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()})`;
  }
  return { dir, unmount: () => (execFileSync("umount", ["-l", dir]), rmdirSync(dir)) };
}

/** Writes until the filesystem refuses: ENOSPC from the kernel, not a simulation. */
function fill(path: string): number {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk.length > 0 ? chunk : Buffer.alloc(1));
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, "ENOSPC");
  }
  // Then byte by byte: the last partial block too.
  try {
    for (;;) written += writeSync(fd, Buffer.alloc(1, 1));
  } catch {
    /* full */
  }
  closeSync(fd);
  return written;
}

const mounted = mountTmpfs();

test("with the database's filesystem full: 503 store_unavailable, /readyz fails, /healthz stays up, and it recovers", { skip: typeof mounted === "string" ? mounted : false, timeout: 120_000 }, async () => {
  const { dir, unmount } = mounted as Exclude<typeof mounted, string>;
  const connector = await createConnector({ database: join(dir, "facet.db"), port: 0, logger: createLogger("silent") });
  const now = Date.now();
  const admin = (await issueApiToken(connector.store, { name: "admin", scopes: ["admin"] }, now)).secret;
  const enrollSecret = (await issueEnrollToken(connector.store, { label: "t" }, now)).secret;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${connector.url}${path}`, { ...init, headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" } });
  const client = await ProtocolClient.connect(connector.agentUrl);
  try {
    const device = await enrollTestDevice(connector.url, enrollSecret);
    assert.equal((await client.authenticate(device)).type, "welcome");
    assert.equal((await client.sendSnapshot(device, { seq: 1 })).type, "ack");
    const policy = (await (await api("/v1/device-assurances", { method: "POST", body: JSON.stringify({ name: "Firewall on", platform: "LINUX", firewallEnabled: true }) })).json()) as { id: string };
    assert.ok(policy.id);
    const ready = await api("/readyz");
    assert.equal(ready.status, 200, await ready.clone().text());

    fill(join(dir, "filler"));

    // /readyz: not ready, and says why, naming the store.
    // (The probe result is kept for a second, so the first answer may still be the earlier one.)
    let notReady!: Response;
    await until("/readyz answers 503", async () => (notReady = await fetch(`${connector.url}/readyz`)).status === 503, 5_000);
    const readiness = (await notReady.json()) as { ready: boolean; store: { kind: string; writable: boolean; error?: string } };
    assert.equal(readiness.ready, false);
    assert.equal(readiness.store.kind, "sqlite");
    assert.equal(readiness.store.writable, false);
    assert.match(readiness.store.error ?? "", /full|space/i);
    // /healthz is liveness: the process is up and answering.
    assert.equal((await fetch(`${connector.url}/healthz`)).status, 200);

    // A refresh whose answer cannot be stored: 503 store_unavailable, not refresh_timeout.
    const refresh = api(`/v1/devices/${device.deviceId}/refresh?wait=10`, { method: "POST" });
    const asked = (await client.next("refresh")) as { requestId: string };
    client.sendJson(client.snapshotFrame(device, { seq: 2, requestId: asked.requestId, facts: sampleFacts({ network: { hostname: "x".repeat(200), firewall_enabled: true, interfaces: [] } } as never) }));
    const refreshed = await refresh;
    const refreshBody = (await refreshed.json()) as { error?: { code: string } };
    assert.equal(refreshed.status, 503, JSON.stringify(refreshBody));
    assert.equal(refreshBody.error?.code, "store_unavailable");
    const told = (await client.next("error")) as { code: string; seq: number };
    assert.deepEqual([told.code, told.seq], ["store_unavailable", 2], "the agent is told, and its snapshot is not acked");

    // The endpoint check cannot record its decision or compliance: 503, as docs/protocol.md says.
    const checked = await api("/v1/endpoint/check", { method: "POST", body: JSON.stringify({ mode: "lookup", device: device.deviceId, policies: [policy.id] }) });
    const checkBody = (await checked.json()) as { error?: { code: string } };
    assert.equal(checked.status, 503, JSON.stringify(checkBody));
    assert.equal(checkBody.error?.code, "store_unavailable");
    assert.equal(checked.headers.get("retry-after"), "5");

    rmSync(join(dir, "filler"));
    await until("/readyz answers 200 once space is free", async () => (await fetch(`${connector.url}/readyz`)).status === 200, 10_000);
    assert.equal((await client.sendSnapshot(device, { seq: 3 })).type, "ack", "ingest works again");
  } finally {
    client.close();
    await connector.close();
    unmount();
  }
});
