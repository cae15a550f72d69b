/**
 * Acceptance for issue 10 item 2, end to end in a real browser: headless Chromium (Debian's
 * chromium) whose NSS database holds the device certificate the agent installed opens a sign-in
 * page through a real TLS reverse proxy (Debian's nginx, set up as docs/integrations/authentik.md
 * says), which forwards the certificate to a stand-in for authentik running the doc's exact
 * expression policy against a live connector.
 *
 * Every certificate authority here is synthetic (made at run time, test/support/test-certs.ts):
 * the TLS server's, and "another CA" for a certificate Facet did not issue. What judges them is
 * real: NSS, Chromium's client-certificate selection, nginx, the connector.
 * Screenshots of each case go to test-output/browser-certificate/ (or $FACET_TEST_OUTPUT).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { browserStoreInstaller } from "../../agent/certificate/browser-stores.ts";
import { silentLogger } from "../../agent/log.ts";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from "../support/test-certs.ts";
import { startAuthStandIn, type AuthStandIn } from "./support/auth-stand-in.ts";
import { CHROMIUM, visitWithHome } from "./support/chromium.ts";
import { NGINX, startNginx, type NginxProxy } from "./support/nginx.ts";

const needed = [CHROMIUM, NGINX, "/usr/bin/certutil", "/usr/bin/pk12util"].filter((bin) => !existsSync(bin));
const skip = process.platform !== "linux" || needed.length > 0 ? `needs Linux with ${needed.join(", ")} (.ci/run installs chromium, nginx, libnss3-tools)` : false;
if (skip && process.env.CI) throw new Error(`CI must run the browser certificate test: ${skip}`);

const root = new URL("../..", import.meta.url).pathname;
const OUTPUT = process.env.FACET_TEST_OUTPUT ?? path.join(root, "test-output", "browser-certificate");

let dir: string;
let serverCa: TestCa;
let server: TestLeaf;
let connector: TestConnector;
let standIn: AuthStandIn;
let proxy: NginxProxy;

/** A home whose NSS database trusts the TLS server's root, like a managed laptop trusting the company CA. */
function newHome(name: string): string {
  const home = path.join(dir, "homes", name);
  const db = path.join(home, ".pki", "nssdb");
  mkdirSync(db, { recursive: true });
  execFileSync("/usr/bin/certutil", ["-N", "-d", `sql:${db}`, "--empty-password"]);
  const caFile = path.join(dir, "server-ca.pem");
  execFileSync("/bin/sh", ["-c", 'cat > "$1"', "sh", caFile], { input: serverCa.certPem });
  execFileSync("/usr/bin/certutil", ["-A", "-d", `sql:${db}`, "-n", "Synthetic TLS root", "-t", "C,,", "-i", caFile]);
  return home;
}

/** The agent's own install path (agent/certificate/browser-stores.ts) into `home`'s NSS database. */
async function agentInstalls(home: string, leaf: TestLeaf): Promise<void> {
  const record = await browserStoreInstaller({
    stateDir: mkdtempSync(path.join(dir, "state-")),
    log: silentLogger(),
    platform: "linux",
    resolveUser: async () => ({ name: "console-user", uid: process.getuid!(), gid: process.getgid!(), home }),
  }).install(leaf.certPem, leaf.keyPem);
  assert.deepEqual(record.stores, ["nss:chrome"], JSON.stringify(record));
}

let visits = 0;
async function signIn(home: string, name: string) {
  visits += 1;
  const userDataDir = mkdtempSync(path.join(dir, `profile-${name}-`));
  const before = standIn.requests.length;
  const page = await visitWithHome({ home, userDataDir, url: `${proxy.url}/`, screenshot: path.join(OUTPUT, `${visits}-${name}.png`) });
  const forwarded = standIn.requests.slice(before);
  return { page, forwarded };
}

function decodeForwarded(value: string | undefined): string | undefined {
  return value === undefined ? undefined : decodeURIComponent(value);
}

describe("a browser proves its device through the reverse proxy to the auth server", { skip, timeout: 15 * 60_000 }, () => {
  let deviceCa: TestCa;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "facet-browser-cert-"));
    mkdirSync(OUTPUT, { recursive: true });
    serverCa = await makeCa("Synthetic TLS root for 127.0.0.1");
    server = await makeLeaf(serverCa, { subject: "127.0.0.1", ips: ["127.0.0.1"], usage: "server" });
    deviceCa = await makeCa("Synthetic device CA");
    connector = await startTestConnector();
    const token = (await issueApiToken(connector.connector.store, { name: "authentik", scopes: ["endpoint:check"] }, Date.now())).secret;
    standIn = await startAuthStandIn({ dir, settings: { url: connector.connector.url, token, policies: ["daeUnusedYet"] } });
    proxy = await startNginx({ dir, serverCertPem: server.certPem, serverKeyPem: server.keyPem, upstreamPort: standIn.port });
  });

  after(async () => {
    await proxy?.stop();
    await standIn?.stop();
    await connector?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the certificate the agent installed in the profile's NSS database reaches the auth server, picked without a dialog", async () => {
    const home = newHome("device");
    const leaf = await makeLeaf(deviceCa, { subject: "Facet device synthetic", uris: ["urn:facet:device:synthetic"], usage: "client" });
    await agentInstalls(home, leaf);
    const { page, forwarded } = await signIn(home, "device-certificate");
    assert.equal(forwarded.length, 1, `one sign-in request reached the auth server; page: ${page.text}`);
    const pem = decodeForwarded(forwarded[0]!.forwardedCert);
    assert.ok(pem, "nginx forwarded a client certificate");
    assert.equal(new X509Certificate(pem).fingerprint256, new X509Certificate(leaf.certPem).fingerprint256);
    assert.match(page.text, /client certificate forwarded by the proxy/);
  });

  test("a profile without the certificate reaches the auth server with none", async () => {
    const { page, forwarded } = await signIn(newHome("no-certificate"), "no-certificate");
    assert.equal(forwarded.length, 1, page.text);
    assert.equal(forwarded[0]!.forwardedCert, undefined);
    assert.match(page.text, /no client certificate/);
  });

  test("a client that sets X-SSL-Client-Cert itself (a copied device certificate is public) gets it dropped by the proxy", async () => {
    const copied = (await makeLeaf(deviceCa, { subject: "Facet device copied", uris: ["urn:facet:device:copied"], usage: "client" })).certPem;
    const before = standIn.requests.length;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${proxy.url}/`, { ca: serverCa.certPem, headers: { "X-SSL-Client-Cert": encodeURIComponent(copied) } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end();
    });
    assert.ok(status > 0);
    const forwarded = standIn.requests.slice(before);
    assert.equal(forwarded.length, 1);
    assert.equal(forwarded[0]!.forwardedCert, undefined, "the client's own header never reaches the auth server");
  });
});
