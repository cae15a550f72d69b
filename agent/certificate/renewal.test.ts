import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { DEFAULT_LIMITS } from "../../connector/options.ts";
import { issueDeviceCertificate } from "../../connector/device-ca/issue.ts";
import { DeviceTable, newTestCa } from "../../test/support/device-ca.ts";
import { buildCertificateRequest, generateCertificateKey } from "./csr.ts";
import { renewalStatus } from "./renewal.ts";

const DAY = 86_400_000;

test("renewal is due with no certificate, for another device, past half-life and after expiry, not before", async () => {
  const issuedAt = Date.UTC(2026, 0, 1);
  const table = new DeviceTable();
  table.add("dev-1");
  const result = await issueDeviceCertificate({ store: table, deviceCa: await newTestCa(issuedAt), now: () => issuedAt, limits: DEFAULT_LIMITS }, "dev-1", await buildCertificateRequest(generateCertificateKey(), "dev-1"));
  assert.ok(result.ok);
  const cert = new X509Certificate(result.certificatePem);
  assert.deepEqual(renewalStatus(undefined, "dev-1", issuedAt), { due: true, why: "none" });
  assert.deepEqual(renewalStatus(cert, "dev-2", issuedAt), { due: true, why: "other_device" });
  const fresh = renewalStatus(cert, "dev-1", issuedAt + DAY);
  assert.equal(fresh.due, false);
  // notBefore is backdated 5 minutes, so half-life is 3.5 days less 2.5 minutes after issue.
  assert.equal(!fresh.due && fresh.renewAt, issuedAt + 3.5 * DAY - 150_000);
  assert.deepEqual(renewalStatus(cert, "dev-1", issuedAt + 3.5 * DAY), { due: true, why: "past_half_life" });
  assert.deepEqual(renewalStatus(cert, "dev-1", issuedAt + 7 * DAY + 1000), { due: true, why: "expired" });
});
