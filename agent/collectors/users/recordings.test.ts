/** User probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseWindowsUsers } from "./windows.ts";
import { parsePasswd } from "./linux.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("Win32_UserAccount list view from real Windows 10 machines: SID as id, empty FullName as no name", () => {
  assert.deepEqual(parseWindowsUsers(f("windows-10-en.win32-useraccount-administrator.txt")), [
    { id: "S-1-5-21-1182164374-3560096269-1489256248-500", username: "Administrator", name: null, home: null },
  ]);
  assert.deepEqual(parseWindowsUsers(f("windows-10-es.win32-useraccount.txt")).map((u) => [u.username, u.id]), [
    ["Administrator", "S-1-5-21-2614195641-1726409526-3792725429-500"], ["bob.smith", "S-1-5-21-2614195641-1726409526-3792725429-1003"],
  ]);
});

test("/etc/passwd of Ubuntu's base files: \"*\" password fields, GECOS as name, empty GECOS as no name", () => {
  const users = parsePasswd(f("ubuntu-base-chisel.passwd.txt"));
  assert.equal(users.length, 18);
  assert.deepEqual(users[0], { id: "0", username: "root", name: "root", home: "/root" });
  assert.deepEqual(users.find((u) => u.username === "list"), { id: "38", username: "list", name: "Mailing List Manager", home: "/var/list" });
  assert.deepEqual(users.find((u) => u.username === "_apt"), { id: "42", username: "_apt", name: null, home: "/nonexistent" });
});
