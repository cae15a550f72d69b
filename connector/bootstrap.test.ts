import { test } from "node:test";
import assert from "node:assert/strict";
import { chownSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureAdminToken, resetAdminToken } from "./bootstrap.ts";
import { createLogger } from "./log.ts";
import { openStore } from "./store/open.ts";

const log = createLogger("silent");

async function withState(fn: (dir: string, store: Awaited<ReturnType<typeof openStore>>) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), "facet-bootstrap-"));
  const store = await openStore(join(dir, "facet.db"));
  try {
    await fn(dir, store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the first start writes admin.token 0600, exclusively", async () => {
  await withState(async (dir, store) => {
    const result = await ensureAdminToken(store, dir, Date.now(), log);
    assert.equal(result.created, true);
    assert.equal(statSync(result.path).mode & 0o777, 0o600);
    assert.match(readFileSync(result.path, "utf8"), /^fct_/);
  });
});

test("a symlink planted where admin.token goes is refused; its target never receives the token", async () => {
  await withState(async (dir, store) => {
    const target = join(dir, "attacker-reads-this");
    writeFileSync(target, "", { mode: 0o644 });
    symlinkSync(target, join(dir, "admin.token"));
    await assert.rejects(ensureAdminToken(store, dir, Date.now(), log), (error: Error) => {
      assert.match(error.message, /admin\.token.*symlink/);
      assert.ok(!error.message.includes("\n"), "one line");
      return true;
    });
    assert.equal(readFileSync(target, "utf8"), "", "nothing written through the link");
    assert.ok(lstatSync(join(dir, "admin.token")).isSymbolicLink());
    assert.equal((await store.listApiTokens()).length, 0, "no admin token was created");
  });
});

test("a dangling symlink is refused too (O_EXCL does not follow it)", async () => {
  await withState(async (dir, store) => {
    symlinkSync(join(dir, "not-yet"), join(dir, "admin.token"));
    await assert.rejects(ensureAdminToken(store, dir, Date.now(), log), /symlink/);
    assert.throws(() => statSync(join(dir, "not-yet")), /ENOENT/);
  });
});

test("a file owned by another user is refused", { skip: process.getuid?.() !== 0 ? "needs root to chown a file to another user" : false }, async () => {
  await withState(async (dir, store) => {
    const path = join(dir, "admin.token");
    writeFileSync(path, "", { mode: 0o666 });
    chownSync(path, 65534, 65534);
    await assert.rejects(ensureAdminToken(store, dir, Date.now(), log), /owned by uid 65534/);
    assert.equal(readFileSync(path, "utf8"), "");
  });
});

test("reset-admin-token revokes the bootstrap token and writes a new one 0600; the next start keeps it", async () => {
  await withState(async (dir, store) => {
    const first = await ensureAdminToken(store, dir, Date.now(), log);
    const oldSecret = readFileSync(first.path, "utf8");
    const [oldToken] = await store.listApiTokens();
    const reset = await resetAdminToken(store, dir, Date.now());
    assert.equal(reset.revoked, oldToken!.id);
    assert.notEqual(readFileSync(reset.path, "utf8"), oldSecret);
    assert.equal(statSync(reset.path).mode & 0o777, 0o600);
    const tokens = await store.listApiTokens();
    assert.ok(tokens.find((t) => t.id === oldToken!.id)?.revokedAt, "the old token is revoked");
    assert.deepEqual(tokens.find((t) => t.id === reset.tokenId)?.scopes, ["admin"]);
    const events = await store.listEvents({ types: ["token.revoked"], limit: 10 });
    assert.deepEqual(events.map((e) => e.data), [{ kind: "api", id: oldToken!.id, by: "reset-admin-token" }]);
    assert.equal((await ensureAdminToken(store, dir, Date.now(), log)).created, false, "a restart does not replace it again");
  });
});

test("reset-admin-token refuses a symlink at admin.token, as the first start does", async () => {
  await withState(async (dir, store) => {
    await ensureAdminToken(store, dir, Date.now(), log);
    rmSync(join(dir, "admin.token"));
    const target = join(dir, "attacker-reads-this");
    writeFileSync(target, "", { mode: 0o644 });
    symlinkSync(target, join(dir, "admin.token"));
    await assert.rejects(resetAdminToken(store, dir, Date.now()), /symlink/);
    assert.equal(readFileSync(target, "utf8"), "");
    assert.equal((await store.listApiTokens()).filter((t) => t.revokedAt === null).length, 1, "nothing issued or revoked");
  });
});
