/**
 * Parses PowerShell `Format-List` output: records separated by blank lines, `Name : Value` lines,
 * and continuation lines (indented) when a long value wrapped. Windows probes print with
 * Format-List because property names are never translated (unlike `manage-bde` or `netsh` text)
 * and because it is the format public documentation shows, so fixtures can be real recordings.
 */
export type PsRecord = Record<string, string>;

const PROPERTY = /^([A-Za-z_][\w.]*)\s*:(?: (.*))?$/;

export function parsePsList(text: string): PsRecord[] {
  const records: PsRecord[] = [];
  let current: PsRecord | null = null;
  let lastKey: string | null = null;
  for (const raw of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, "");
    if (line === "") {
      if (current) records.push(current);
      current = null;
      lastKey = null;
      continue;
    }
    const match = PROPERTY.exec(line);
    if (match && !/^\s/.test(line)) {
      current ??= {};
      lastKey = match[1]!;
      current[lastKey] = (match[2] ?? "").trim();
    } else if (current && lastKey && /^\s/.test(line)) {
      current[lastKey] = `${current[lastKey]}${line.trim()}`;
    }
  }
  if (current) records.push(current);
  return records;
}

/** `"True"`/`"False"` → boolean; anything else (empty, localized, garbage) → null. */
export function psBool(value: string | undefined): boolean | null {
  if (value === undefined) return null;
  const v = value.trim().toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  return null;
}

export function psInt(value: string | undefined): number | null {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) return null;
  return Number(value.trim());
}

/** Empty strings and PowerShell's `{}` for an empty array mean "no value". */
export function psStr(value: string | undefined): string | null {
  if (value === undefined) return null;
  const v = value.trim();
  return v === "" || v === "{}" ? null : v;
}

/** `{8.8.8.8, 1.1.1.1}` → ["8.8.8.8", "1.1.1.1"] (how Format-List prints an array). */
export function psArray(value: string | undefined): string[] {
  const v = psStr(value);
  if (!v) return [];
  return v.replace(/^\{/, "").replace(/\}$/, "").replace(/\.\.\.$/, "").split(",").map((s) => s.trim()).filter(Boolean);
}
