import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseGroupFile } from "./linux.ts";
import { parseDsclGroupList } from "./darwin.ts";
import { parseWindowsGroups } from "./windows.ts";

test("reads this machine's /etc/group", () => {
  const groups = parseGroupFile(fixture(import.meta.url, "debian-12-container.group.txt"));
  assert.deepEqual(groups[0], { id: "0", name: "root" });
});

test("reads dscl group ids and Windows local groups", () => {
  assert.deepEqual(parseDsclGroupList("admin    80\nstaff    20\n"), [{ id: "80", name: "admin" }, { id: "20", name: "staff" }]);
  assert.deepEqual(parseWindowsGroups("SID  : S-1-5-32-544\nName : Administrators\n"), [{ id: "S-1-5-32-544", name: "Administrators" }]);
});
