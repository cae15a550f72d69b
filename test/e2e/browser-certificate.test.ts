/**
 * Acceptance for issue 10 item 2, end to end in a real browser: headless Chromium (Debian's
 * chromium) whose NSS database holds the device certificate the agent installed opens a sign-in
 * page through a real TLS reverse proxy (Debian's nginx, set up as docs/integrations/authentik.md
 * says), which forwards the certificate to a stand-in for authentik running the doc's exact
 * expression policy against a live connector.
 *
 * The device certificates are issued by the live connector's device CA to real agents (runAgent)
 * over their authenticated sessions. The other certificate authorities here are synthetic (made at run time,
 * test/support/test-certs.ts):
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
import { browserStoreInstaller, type InstallRecord } from "../../agent/certificate/browser-stores.ts";
import type { Collected } from "../../agent/collectors/types.ts";
import { enroll, runAgent } from "../../agent/index.ts";
import { silentLogger } from "../../agent/log.ts";
import { linuxFacts } from "../support/policy/fixtures.ts";
import { issueApiToken } from "../../connector/tokens/issue.ts";
import { startTestConnector, type TestConnector } from "../support/connector.ts";
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from "../support/test-certs.ts";
import { until } from "../support/until.ts";
import { startAuthStandIn, type AuthStandIn } from "../support/authentik/auth-stand-in.ts";
import { CHROMIUM, visitWithHome } from "../support/browser/chromium.ts";
import { NGINX, startNginx, type NginxProxy } from "../support/nginx.ts";

const needed = [CHROMIUM, NGINX, "/usr/bin/certutil", "/usr/bin/pk12util"].filter((bin) => !existsSync(bin));
const skip = process.platform !== "linux" || needed.length > 0 ? `needs Linux with ${needed.join(", ")} (.ci/run installs chromium, nginx, libnss3-tools)` : false;
if (skip && process.env.CI) throw new Error(`CI must run the browser certificate test: ${skip}`);

const root = new URL("../..", import.meta.url).pathname;
const OUTPUT = process.env.FACET_TEST_OUTPUT ?? path.join(root, "test-output", "browser-certificate");

let dir: string;
let serverCa: TestCa;
let server: TestLeaf;
let t: TestConnector;
let standIn: AuthStandIn;
let proxy: NginxProxy;
/** The connector's clock runs this far ahead of the wall clock (the expired case moves it). */
let connectorAhead = 0;
const USER = "alice";

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

/** The agent's install path (agent/certificate/browser-stores.ts) for the console user whose home is `home`. */
function installerFor(home: string, stateDir: string) {
  return browserStoreInstaller({
    stateDir,
    log: silentLogger(),
    platform: "linux",
    resolveUser: async () => ({ name: "console-user", uid: process.getuid!(), gid: process.getgid!(), home }),
  });
}

interface RunningAgent {
  deviceId: string;
  certificatePem: string;
  record: InstallRecord;
  stop(): Promise<unknown>;
}

/**
 * A real agent (enroll + runAgent, the code `facet-agent run` runs) enrolled to the live
 * connector: after its Ed25519-authenticated welcome it asks for its device certificate
 * (certRequest with a CSR for its P-256 key), and the agent's browser-store installer puts what
 * the connector's device CA issued into `home`'s NSS database. Its facts are a synthetic Linux
 * fixture, so the policy's verdict does not depend on this machine.
 */
async function startAgent(home: string): Promise<RunningAgent> {
  const stateDir = mkdtempSync(path.join(dir, "agent-"));
  const { deviceId } = await enroll({ url: t.connector.url, token: t.enrollToken, stateDir });
  const bound = await t.api(`/v1/devices/${deviceId}/users`, { method: "POST", body: JSON.stringify({ username: USER }) });
  assert.equal(bound.status, 201, await bound.text());
  const installer = installerFor(home, stateDir);
  let record: InstallRecord | undefined;
  let certificatePem: string | undefined;
  const ac = new AbortController();
  const collect = async (): Promise<Collected> => ({ facts: linuxFacts(), unknown: {}, durationMs: 0 });
  const running = runAgent({
    stateDir,
    signal: ac.signal,
    collect,
    backoff: { baseMs: 100, capMs: 1000 },
    deviceCertificate: {
      installer: {
        async install(certPem: string, keyPem: string) {
          const result = await installer.install(certPem, keyPem);
          certificatePem = certPem;
          record = result;
          return result;
        },
      },
    },
  }).catch((err: unknown) => err);
  await until("the agent's device certificate installed", () => record !== undefined, 90_000);
  return { deviceId, certificatePem: certificatePem!, record: record!, stop: async () => { ac.abort(); return running; } };
}

let visits = 0;
async function signIn(home: string, name: string) {
  visits += 1;
  const userDataDir = mkdtempSync(path.join(dir, `profile-${name}-`));
  const before = standIn.requests.length;
  const page = await visitWithHome({ home, userDataDir, url: `${proxy.url}/`, screenshot: path.join(OUTPUT, `${visits}-${name}.png`) });
  const forwarded = standIn.requests.slice(before);
  assert.equal(forwarded.length, 1, `one sign-in request reached the auth server; page: ${page.text}`);
  return { page, forwarded: forwarded[0]! };
}

function fingerprint(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

describe("a browser proves its device through the reverse proxy to the auth server", { skip, timeout: 20 * 60_000 }, () => {
  const agents: RunningAgent[] = [];
  let bound: RunningAgent;
  let boundHome: string;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "facet-browser-cert-"));
    mkdirSync(OUTPUT, { recursive: true });
    serverCa = await makeCa("Synthetic TLS root for 127.0.0.1");
    server = await makeLeaf(serverCa, { subject: "127.0.0.1", ips: ["127.0.0.1"], usage: "server" });
    t = await startTestConnector({ now: () => Date.now() + connectorAhead });
    const token = (await issueApiToken(t.connector.store, { name: "authentik", scopes: ["endpoint:check"] }, Date.now())).secret;
    const created = await t.api("/v1/device-assurances", { method: "POST", body: JSON.stringify({ name: "Linux: firewall on", platform: "LINUX", firewallEnabled: true }) });
    const policy = ((await created.json()) as { id: string }).id;
    standIn = await startAuthStandIn({ dir, settings: { url: t.connector.url, token, policies: [policy] }, pendingUser: () => USER });
    proxy = await startNginx({ dir, serverCertPem: server.certPem, serverKeyPem: server.keyPem, upstreamPort: standIn.port });
    boundHome = newHome("bound-device");
    bound = await startAgent(boundHome);
    agents.push(bound);
  });

  after(async () => {
    for (const a of agents) await a.stop();
    await proxy?.stop();
    await standIn?.stop();
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the agent installed the certificate the connector issued to its device into the console user's NSS database", () => {
    const cert = new X509Certificate(bound.certificatePem);
    assert.ok(cert.subjectAltName?.includes(`urn:facet:device:${bound.deviceId}`), cert.subjectAltName);
    assert.deepEqual(bound.record.stores, ["nss:chrome"]);
    assert.equal(bound.record.keyTrustLevel, "software");
    const inNss = execFileSync("/usr/bin/certutil", ["-L", "-d", `sql:${path.join(boundHome, ".pki", "nssdb")}`, "-n", "Facet device certificate", "-a"], { encoding: "utf8" });
    assert.equal(fingerprint(inNss), fingerprint(bound.certificatePem));
  });

  test("the bound device's browser signs in: Chromium picks the certificate without a dialog, nginx forwards it, the doc's policy passes", async () => {
    const { page, forwarded } = await signIn(boundHome, "bound-device-passes");
    assert.equal(fingerprint(decodeURIComponent(forwarded.forwardedCert ?? "")), fingerprint(bound.certificatePem));
    assert.deepEqual(forwarded.outcome, { passing: true, messages: [] });
    assert.equal(page.status, 200);
    assert.match(page.text, /SIGNED IN/);
  });

  test("a profile without the certificate is refused: the browser did not identify a company device", async () => {
    const { page, forwarded } = await signIn(newHome("no-certificate"), "no-certificate-refused");
    assert.equal(forwarded.forwardedCert, undefined);
    assert.equal(forwarded.outcome.passing, false);
    assert.match(page.text, /ACCESS DENIED/);
    assert.match(page.text, /did not identify a company device/);
  });

  test("a revoked device's certificate is refused: no longer enrolled", async () => {
    const home = newHome("revoked-device");
    const revoked = await startAgent(home);
    agents.push(revoked);
    const res = await t.api(`/v1/devices/${revoked.deviceId}/revoke`, { method: "POST" });
    assert.equal(res.status, 200, await res.text());
    const { page, forwarded } = await signIn(home, "revoked-device-refused");
    assert.equal(fingerprint(decodeURIComponent(forwarded.forwardedCert ?? "")), fingerprint(revoked.certificatePem), "the browser still presents it; the connector refuses it");
    assert.equal(forwarded.outcome.passing, false);
    assert.match(page.text, /ACCESS DENIED/);
    assert.match(page.text, /no longer enrolled/);
  });

  test("a certificate from another CA is refused: it does not belong to an enrolled device", async () => {
    const home = newHome("other-ca");
    const otherCa = await makeCa("Synthetic other CA");
    const stranger = await makeLeaf(otherCa, { subject: bound.deviceId, uris: [`urn:facet:device:${bound.deviceId}`], usage: "client" });
    const record = await installerFor(home, mkdtempSync(path.join(dir, "state-"))).install(stranger.certPem, stranger.keyPem);
    assert.deepEqual(record.stores, ["nss:chrome"]);
    const { page, forwarded } = await signIn(home, "other-ca-refused");
    assert.equal(fingerprint(decodeURIComponent(forwarded.forwardedCert ?? "")), fingerprint(stranger.certPem));
    assert.equal(forwarded.outcome.passing, false);
    assert.match(page.text, /certificate that does not belong to an enrolled device/);
  });

  test("an expired certificate is refused: has expired (the connector's clock past the certificate's end)", async () => {
    // Chromium never offers a client certificate its own clock says has expired (the NSS store
    // filters it), so the browser would present nothing at all. To see the connector refuse an
    // expired certificate, its clock moves past the end of the one the agent holds instead.
    connectorAhead = Date.parse(new X509Certificate(bound.certificatePem).validTo) - Date.now() + 3_600_000;
    try {
      const { page, forwarded } = await signIn(boundHome, "expired-refused");
      assert.equal(fingerprint(decodeURIComponent(forwarded.forwardedCert ?? "")), fingerprint(bound.certificatePem));
      assert.equal(forwarded.outcome.passing, false);
      assert.match(page.text, /certificate has expired/);
    } finally {
      connectorAhead = 0;
    }
  });

  test("a client that sets X-SSL-Client-Cert itself (a device certificate is public) gets it dropped by the proxy", async () => {
    const before = standIn.requests.length;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${proxy.url}/`, { ca: serverCa.certPem, headers: { "X-SSL-Client-Cert": encodeURIComponent(bound.certificatePem) } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end();
    });
    const forwarded = standIn.requests.slice(before);
    assert.equal(forwarded.length, 1);
    assert.equal(forwarded[0]!.forwardedCert, undefined, "the client's own header never reaches the auth server");
    assert.equal(status, 403);
    assert.match(forwarded[0]!.outcome.messages.join(" "), /did not identify a company device/);
  });
});
