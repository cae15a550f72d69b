import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { createConnector } from "../../connector/app.ts";
import { createLogger } from "../../connector/log.ts";
import { DEVICE_CA_SETTING } from "../../connector/device-ca/stored-ca.ts";
import { startTestConnector } from "../support/connector.ts";

test("GET /v1/device-ca serves the CA certificate without a token; a restart keeps the same CA", async () => {
  const t = await startTestConnector();
  try {
    const res = await t.api("/v1/device-ca", { token: null });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-pem-file");
    const pem = await res.text();
    assert.equal(pem, t.connector.deviceCa.certificatePem);
    const ca = new X509Certificate(pem);
    assert.equal(ca.ca, true);
    assert.match(ca.subject, /^CN=Facet device CA [0-9a-f]{8}\nO=Facet$/);
    assert.equal(t.connector.deviceCa.source, "store");

    const again = await createConnector({ database: t.databasePath, logger: createLogger("silent") });
    try {
      assert.equal(again.deviceCa.certificatePem, pem, "the second start (or replica) reads the stored CA");
    } finally {
      await again.close();
    }
  } finally {
    await t.stop();
  }
});

test("an admin-supplied CA (files made by openssl) is used and never written to the store", async () => {
  const t0 = await startTestConnector();
  const dir = t0.dir;
  await t0.connector.close();
  const cert = join(dir, "ca.pem");
  const key = join(dir, "ca.key");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", "/CN=Admin device CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"], { stdio: "ignore" });
  const dbDir = join(dir, "files");
  execFileSync("mkdir", [dbDir]);
  const connector = await createConnector({ database: join(dbDir, "facet.db"), logger: createLogger("silent"), deviceCaFiles: { certFile: cert, keyFile: key } });
  try {
    assert.equal(connector.deviceCa.source, "files");
    assert.equal(connector.deviceCa.certificate.subject, "CN=Admin device CA");
    assert.equal(await connector.store.getSetting(DEVICE_CA_SETTING), null);
  } finally {
    await connector.close();
  }
  writeFileSync(key, execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]));
  await assert.rejects(createConnector({ database: join(dbDir, "facet.db"), logger: createLogger("silent"), deviceCaFiles: { certFile: cert, keyFile: key } }), /does not belong to the device CA certificate/);
  await t0.stop();
});
