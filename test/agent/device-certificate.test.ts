/**
 * The real agent gets its device certificate from the real connector over its session: enroll →
 * run → certRequest → certificate saved 0600 beside the device key, handed to the installer, and
 * verified against the connector's CA by the connector's own verifier and by openssl. Past
 * half-life, the next session renews it for the same key. Real SQLite file, sockets on 127.0.0.1.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import type { Collected } from "../../agent/collectors/types.ts";
import { deviceCertificatePaths, enroll, readDeviceCertificate, runAgent, type IssuedDeviceCertificate } from "../../agent/index.ts";
import { deviceFromForwardedCertificate } from "../../connector/device-ca/verify.ts";
import { startTestConnector } from "../support/connector.ts";

const DAY = 86_400_000;

async function tinyFacts(): Promise<Collected> {
  return {
    facts: { os: { family: "linux", name: "test", version: null, arch: "x64" }, disks: null, network: null, hardware: null, security: null, software: null, processes: null, users: null, groups: null, vendor: null },
    unknown: { "os.version": "test" },
    durationMs: 0,
  };
}

/** Runs the agent until it has received one certificate; returns it and what the installer got. */
async function runUntilCertificate(stateDir: string, now: () => number): Promise<{ issued: IssuedDeviceCertificate; installed: string[][] }> {
  const ac = new AbortController();
  const installed: string[][] = [];
  let got: (issued: IssuedDeviceCertificate) => void;
  const received = new Promise<IssuedDeviceCertificate>((resolve) => (got = resolve));
  const running = runAgent({
    stateDir,
    signal: ac.signal,
    collect: tinyFacts,
    backoff: { baseMs: 50, capMs: 200 },
    deviceCertificate: {
      now,
      installer: { install: async (cert, key) => void installed.push([cert, key]) },
      onCertificate: (issued) => got(issued),
    },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const issued = await Promise.race([
      received,
      running.then(() => Promise.reject(new Error("the agent stopped before a certificate arrived"))),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("no certificate within 45 s")), 45_000))),
    ]);
    return { issued, installed };
  } finally {
    clearTimeout(timer);
    ac.abort();
    await running.catch(() => undefined);
  }
}

test("an enrolled agent ends up with a certificate that verifies against the device CA and names it", { timeout: 90_000 }, async (tt) => {
  const t = await startTestConnector();
  tt.after(() => t.stop());
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "facet-agent-cert-"));
  const { deviceId } = await enroll({ url: t.connector.url, token: t.enrollToken, stateDir, username: "ada" });

  const { issued, installed } = await runUntilCertificate(stateDir, Date.now);

  const files = deviceCertificatePaths(stateDir);
  for (const file of [files.certificate, files.key]) assert.equal(statSync(file).mode & 0o777, 0o600, `${path.basename(file)} is 0600`);
  const onDisk = readDeviceCertificate(stateDir);
  assert.ok(onDisk, "certificate and key on disk belong together");
  assert.equal(onDisk.certificatePem, issued.certificatePem);
  assert.deepEqual(installed, [[issued.certificatePem, issued.keyPem]], "the installer got the new pair once");

  const cert = new X509Certificate(issued.certificatePem);
  assert.equal(cert.subjectAltName, `URI:urn:facet:device:${deviceId}, URI:urn:device:apple:uuid:${deviceId.toLowerCase()}`);
  const check = deviceFromForwardedCertificate(t.connector.deviceCa, encodeURIComponent(issued.certificatePem), Date.now());
  assert.equal(check.ok && check.deviceId, deviceId);

  // A tool we did not write: openssl, with the CA as served to proxies.
  const caPem = await (await t.api("/v1/device-ca", { token: null })).text();
  writeFileSync(path.join(stateDir, "ca.pem"), caPem);
  const out = execFileSync("openssl", ["verify", "-purpose", "sslclient", "-CAfile", path.join(stateDir, "ca.pem"), files.certificate], { encoding: "utf8" });
  assert.match(out, /: OK\n$/);

  const events = await t.connector.store.listEvents({ types: ["device.certificate_issued"], deviceId, limit: 10 });
  assert.equal(events.length, 1);
  assert.equal(events[0]!.data.serialNumber, issued.serialNumber);
});

test("past half-life the agent renews its certificate for the same key", { timeout: 120_000 }, async (tt) => {
  let offset = 0;
  const clock = () => Date.now() + offset;
  const t = await startTestConnector({ now: clock });
  tt.after(() => t.stop());
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "facet-agent-cert-"));
  const { deviceId } = await enroll({ url: t.connector.url, token: t.enrollToken, stateDir });

  const first = await runUntilCertificate(stateDir, clock);
  offset = 4 * DAY; // a 7-day certificate is past half-life after 3½ days
  const second = await runUntilCertificate(stateDir, clock);

  assert.notEqual(second.issued.serialNumber, first.issued.serialNumber);
  assert.equal(second.issued.keyPem, first.issued.keyPem, "the same key, certified again");
  assert.ok(second.issued.notAfter >= first.issued.notAfter + 4 * DAY - 60_000, "the new certificate runs 7 days from the (moved) clock");
  assert.equal((await t.connector.store.listEvents({ types: ["device.certificate_issued"], deviceId, limit: 10 })).length, 2);
  const check = deviceFromForwardedCertificate(t.connector.deviceCa, second.issued.certificatePem, clock());
  assert.equal(check.ok && check.deviceId, deviceId);
  const stale = deviceFromForwardedCertificate(t.connector.deviceCa, first.issued.certificatePem, clock() + 4 * DAY);
  assert.equal(stale.ok ? "ok" : stale.reason, "expired", "the first certificate is expired 8 days after issue");
});
