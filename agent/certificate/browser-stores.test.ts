/**
 * The Linux install path against Debian's real NSS tools (certutil, pk12util from libnss3-tools)
 * and real NSS databases. Certificates are synthetic (test/support/test-certs.ts); the Firefox
 * "profile" is a directory holding a real NSS database made by certutil, not a Firefox profile.
 */
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { silentLogger } from "../log.ts";
import { makeCa, makeLeaf, type TestCa } from "../../test/support/test-certs.ts";
import { browserStoreInstaller, INSTALL_RECORD_FILE, readInstallRecord } from "./browser-stores.ts";
import { deviceCertificateFacts } from "./facts.ts";
import { CERT_NICKNAME, type ConsoleUser } from "./stores/types.ts";

const haveNss = existsSync("/usr/bin/certutil") && existsSync("/usr/bin/pk12util");
const skip = process.platform !== "linux" || !haveNss ? "needs Linux with libnss3-tools (.ci/run installs it)" : false;
if (skip && process.env.CI) throw new Error(`CI must run the NSS install tests: ${skip}`);
const isRoot = process.getuid?.() === 0;

let base: string;
let ca: TestCa;

before(async () => {
  base = mkdtempSync(path.join(tmpdir(), "facet-stores-"));
  ca = await makeCa("Synthetic Facet Device CA");
});
after(() => rmSync(base, { recursive: true, force: true }));

let homes = 0;
function newHome(owner?: { uid: number; gid: number }): string {
  homes += 1;
  const home = path.join(base, `home-${homes}`);
  mkdirSync(home, { mode: 0o755 });
  if (owner) chownSync(home, owner.uid, owner.gid);
  return home;
}

function certutil(args: string[]): string {
  return execFileSync("/usr/bin/certutil", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** SHA-1 fingerprints (lower-case hex) of the certificates stored under the Facet nickname. */
function facetFingerprints(dbDir: string): string[] {
  let pem: string;
  try {
    pem = certutil(["-L", "-d", `sql:${dbDir}`, "-n", CERT_NICKNAME, "-a"]);
  } catch {
    return [];
  }
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => new X509Certificate(m[0]).fingerprint.replace(/:/g, "").toLowerCase());
}

function keyCount(dbDir: string): number {
  try {
    return certutil(["-K", "-d", `sql:${dbDir}`]).split("\n").filter((l) => /^<\s*\d+>/.test(l)).length;
  } catch {
    return 0;
  }
}

function sha1(pem: string): string {
  return createHash("sha1").update(new X509Certificate(pem).raw).digest("hex");
}

function installerFor(user: ConsoleUser | undefined, stateDir: string) {
  return browserStoreInstaller({ stateDir, log: silentLogger(), platform: "linux", resolveUser: async () => user });
}

function stateDir(): string {
  return mkdtempSync(path.join(base, "state-"));
}

async function deviceCert(id: string) {
  return makeLeaf(ca, { subject: `Facet device ${id}`, uris: [`urn:facet:device:${id}`], usage: "client" });
}

function self(home: string): ConsoleUser {
  return { name: "self", uid: process.getuid!(), gid: process.getgid!(), home };
}

describe("installing the device certificate into the console user's NSS databases", { skip }, () => {
  test("creates Chrome's ~/.pki/nssdb, imports the key and certificate under the Facet nickname, and records software key protection", async () => {
    const home = newHome();
    const state = stateDir();
    const leaf = await deviceCert("dev-one");
    const record = await installerFor(self(home), state).install(leaf.certPem, leaf.keyPem);

    const db = path.join(home, ".pki", "nssdb");
    assert.deepEqual(facetFingerprints(db), [sha1(leaf.certPem)]);
    assert.equal(keyCount(db), 1);
    assert.deepEqual(record.stores, ["nss:chrome"]);
    assert.equal(record.keyTrustLevel, "software");
    assert.equal(record.notAfter, new Date(new X509Certificate(leaf.certPem).validTo).toISOString());
    assert.deepEqual(readInstallRecord(state), record);
    assert.equal(statSync(path.join(state, INSTALL_RECORD_FILE)).mode & 0o777, 0o600);
  });

  test("a renewal replaces the previous certificate and key instead of piling up", async () => {
    const home = newHome();
    const state = stateDir();
    const installer = installerFor(self(home), state);
    const first = await deviceCert("dev-renew");
    const second = await deviceCert("dev-renew");
    await installer.install(first.certPem, first.keyPem);
    await installer.install(second.certPem, second.keyPem);

    const db = path.join(home, ".pki", "nssdb");
    assert.deepEqual(facetFingerprints(db), [sha1(second.certPem)]);
    assert.equal(keyCount(db), 1, "the old private key went with its certificate");
  });

  test("installs into every Firefox profile that has an NSS database, and reports each store", async () => {
    const home = newHome();
    const profile = path.join(home, ".mozilla", "firefox", "abcd1234.default-release");
    mkdirSync(profile, { recursive: true });
    certutil(["-N", "-d", `sql:${profile}`, "--empty-password"]);
    mkdirSync(path.join(home, ".mozilla", "firefox", "Crash Reports"), { recursive: true });
    const leaf = await deviceCert("dev-firefox");
    const record = await installerFor(self(home), stateDir()).install(leaf.certPem, leaf.keyPem);

    assert.deepEqual(record.stores, ["nss:chrome", "nss:firefox:abcd1234.default-release"]);
    assert.deepEqual(facetFingerprints(profile), [sha1(leaf.certPem)]);
    assert.ok(!existsSync(path.join(home, ".mozilla", "firefox", "Crash Reports", "cert9.db")), "a directory without an NSS database is not a profile");
  });

  test("a store that refuses the import is reported with the tool's reason; the others still get the certificate", async () => {
    const home = newHome();
    const profile = path.join(home, ".mozilla", "firefox", "locked.default");
    mkdirSync(profile, { recursive: true });
    // A primary password: pk12util would have to prompt for it, and the agent never answers prompts.
    execFileSync("/usr/bin/certutil", ["-N", "-d", `sql:${profile}`, "-f", writeTemp("primary-password\n")]);
    const leaf = await deviceCert("dev-partial");
    const record = await installerFor(self(home), stateDir()).install(leaf.certPem, leaf.keyPem);

    assert.deepEqual(record.stores, ["nss:chrome"]);
    assert.equal(record.keyTrustLevel, "software");
    assert.match(record.failures["nss:firefox:locked.default"] ?? "", /\S/);
    assert.deepEqual(facetFingerprints(profile), []);
  });

  test("with nobody at the console nothing is installed, and the facts say why the key trust level is unknown", async () => {
    const state = stateDir();
    const leaf = await deviceCert("dev-nobody");
    const record = await installerFor(undefined, state).install(leaf.certPem, leaf.keyPem);
    assert.equal(record.keyTrustLevel, null);
    assert.deepEqual(record.stores, []);
    assert.match(record.reason ?? "", /no console user/);
    const facts = deviceCertificateFacts(readInstallRecord(state));
    assert.equal(facts.value.key_trust_level, null);
    assert.match(facts.unknown["vendor.facet.dev/agent.device_certificate.key_trust_level"] ?? "", /no console user/);
  });

  test("a certificate that is not PEM is a recorded failure, not a crash", async () => {
    const record = await installerFor(self(newHome()), stateDir()).install("not a certificate", "not a key");
    assert.equal(record.keyTrustLevel, null);
    assert.match(record.reason ?? "", /certificate not installed/);
  });

  test("run as root for another user, every file it leaves in that home belongs to the user, and the import files are gone", { skip: isRoot ? false : "needs root to drop to another user (CI runs as root)" }, async () => {
    const nobody = { uid: 65534, gid: 65534 };
    const home = newHome(nobody);
    chmodSync(base, 0o755);
    const leaf = await deviceCert("dev-drop");
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith("facet-cert-"));
    const record = await installerFor({ name: "nobody", ...nobody, home }, stateDir()).install(leaf.certPem, leaf.keyPem);

    assert.deepEqual(record.stores, ["nss:chrome"], JSON.stringify(record.failures));
    for (const file of walk(home)) {
      const st = lstatSync(file);
      assert.equal(st.uid, nobody.uid, `${file} is owned by uid ${st.uid}`);
    }
    assert.deepEqual(facetFingerprints(path.join(home, ".pki", "nssdb")), [sha1(leaf.certPem)]);
    assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith("facet-cert-")), before, "the PKCS#12 and its password were deleted");
  });
});

let temps = 0;
function writeTemp(content: string): string {
  temps += 1;
  const file = path.join(base, `temp-${temps}`);
  execFileSync("/bin/sh", ["-c", `umask 077; cat > "$1"`, "sh", file], { input: content });
  return file;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    out.push(p);
    if (entry.isDirectory()) out.push(...walk(p));
  }
  return out;
}


