import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePsList, psArray, psBool, psInt } from "./ps-list.ts";

test("splits Format-List output into records on blank lines", () => {
  const records = parsePsList("\r\nName    : Domain\r\nEnabled : True\r\n\r\nName    : Public\r\nEnabled : False\r\n");
  assert.deepEqual(records, [{ Name: "Domain", Enabled: "True" }, { Name: "Public", Enabled: "False" }]);
});

test("joins wrapped continuation lines to their property", () => {
  const [r] = parsePsList("PSPath : Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\n         NT\\CurrentVersion\nNext   : 1\n");
  assert.equal(r!.PSPath, "Microsoft.PowerShell.Core\\Registry::HKEY_LOCAL_MACHINE\\Software\\Microsoft\\WindowsNT\\CurrentVersion");
  assert.equal(r!.Next, "1");
});

test("reads empty values, booleans, integers and arrays", () => {
  const [r] = parsePsList("Empty :\nFlag  : True\nNum   : 42\nList  : {8.8.8.8, 1.1.1.1}\n");
  assert.equal(r!.Empty, "");
  assert.equal(psBool(r!.Flag), true);
  assert.equal(psBool("Wahr"), null, "a localized boolean is not guessed");
  assert.equal(psInt(r!.Num), 42);
  assert.deepEqual(psArray(r!.List), ["8.8.8.8", "1.1.1.1"]);
});
