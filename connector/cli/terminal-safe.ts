/**
 * Text from devices reaches the admin's terminal: a hostname of `ESC[2K ESC[1A` erases and
 * overwrites rows, `ESC]0;…` sets the window title, a newline forges a table row. Every value a
 * human-readable output shows goes through `escapeControl` first (C0, DEL and C1 become visible
 * `\xNN`, `\n`, `\t`), and what is finally written goes through `safeForTerminal`, which lets only
 * the colour codes this CLI adds itself through.
 */

// C0 controls, DEL, C1 controls; and the Unicode line/paragraph separators and bidi overrides,
// which rearrange what the terminal shows without being control characters.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function visible(ch: string): string {
  const code = ch.charCodeAt(0);
  return NAMED[ch] ?? (code > 0xff ? `\\u${code.toString(16).padStart(4, "0")}` : `\\x${code.toString(16).padStart(2, "0")}`);
}

/** A single value, made inert: every control character shown as an escape, newlines included. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, visible);
}

/** Escapes keys and string values of a JSON-like document (for the facts tree). */
export function escapeControlDeep<T>(value: T): T {
  if (typeof value === "string") return escapeControl(value) as T;
  if (Array.isArray(value)) return value.map(escapeControlDeep) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[escapeControl(key)] = escapeControlDeep(v);
    return out as T;
  }
  return value;
}

// The only escape sequences this CLI writes: SGR colour codes (output.ts).
const OWN_SGR = /\u001b\[[0-9;]*m/y;

/**
 * The last pass before a human-readable text is written: line breaks and tabs this CLI laid out
 * stay, SGR colour codes stay, any other control character is escaped.
 */
export function safeForTerminal(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\n" || ch === "\t") {
      out += ch;
      continue;
    }
    if (ch === "\u001b") {
      OWN_SGR.lastIndex = i;
      const m = OWN_SGR.exec(text);
      if (m) {
        out += m[0];
        i += m[0].length - 1;
        continue;
      }
    }
    out += ch.replace(CONTROL, visible);
  }
  return out;
}
