import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parsePasswd } from "./linux.ts";
import { usersFromDscl } from "./darwin.ts";
import { parseWindowsUsers } from "./windows.ts";

test("reads this machine's /etc/passwd as authentik's user shape", () => {
  const users = parsePasswd(fixture(import.meta.url, "debian-12-container.passwd.txt"));
  assert.deepEqual(users[0], { id: "0", username: "root", name: "root", home: "/root" });
});

test("reads dscl -readall records, including values on the next line", () => {
  const text = "NFSHomeDirectory: /Users/alice\nRealName:\n Alice Example\nRecordName: alice\nUniqueID: 501\n-\nNFSHomeDirectory: /var/empty\nRealName: Unprivileged User\nRecordName: nobody\nUniqueID: -2\n";
  assert.deepEqual(usersFromDscl(text), [
    { id: "501", username: "alice", name: "Alice Example", home: "/Users/alice" },
    { id: "-2", username: "nobody", name: "Unprivileged User", home: "/var/empty" },
  ]);
});

test("reads local Windows accounts with SIDs", () => {
  assert.deepEqual(parseWindowsUsers("\nSID      : S-1-5-21-1-500\nName     : Administrator\nFullName :\nHome     :\n"), [{ id: "S-1-5-21-1-500", username: "Administrator", name: null, home: null }]);
});
