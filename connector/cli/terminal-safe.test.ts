import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeControl, escapeControlDeep, safeForTerminal } from "./terminal-safe.ts";

test("escapes cursor movement, erase, OSC title and newlines in a value", () => {
  assert.equal(escapeControl("\u001b[2K\u001b[1Aowned"), "\\x1b[2K\\x1b[1Aowned");
  assert.equal(escapeControl("\u001b]0;pwned\u0007"), "\\x1b]0;pwned\\x07");
  assert.equal(escapeControl("a\nb\tc\rd"), "a\\nb\\tc\\rd");
  assert.equal(escapeControl("\u009b31m"), "\\x9b31m", "C1 CSI");
  assert.equal(escapeControl("abc\u202eevil"), "abc\\u202eevil", "bidi override");
  assert.equal(escapeControl("Ünïcødé host 東京"), "Ünïcødé host 東京");
});

test("escapes keys and strings of a document, leaves other values", () => {
  assert.deepEqual(escapeControlDeep({ "k\u001b": ["\u0007", 1, null, true] }), { "k\\x1b": ["\\x07", 1, null, true] });
});

test("the final pass keeps layout and own colours, escapes everything else", () => {
  assert.equal(safeForTerminal("\u001b[1mID\u001b[0m\tx\nrow"), "\u001b[1mID\u001b[0m\tx\nrow");
  assert.equal(safeForTerminal("\u001b[2Kx\u001b]0;t\u0007"), "\\x1b[2Kx\\x1b]0;t\\x07");
});
