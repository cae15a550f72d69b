/** Group probes on outputs recorded on real machines by others (fixtures/, provenance in each header). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { fixture } from "../fixtures.ts";
import { parseGroupFile } from "./linux.ts";

const f = (name: string) => fixture(import.meta.url, name);

test("/etc/group of Ubuntu's base files: every group with its id, \"*\" password fields", () => {
  const groups = parseGroupFile(f("ubuntu-base-chisel.group.txt"));
  assert.equal(groups.length, 38);
  assert.deepEqual(groups.find((g) => g.name === "sudo"), { id: "27", name: "sudo" });
  assert.deepEqual(groups.at(-1), { id: "65534", name: "nogroup" });
});
