/**
 * A facts document as a readable tree for people: `facet-agent facts` and the admin CLI's
 * `facet devices show`. Pure: no colours, no I/O, so both sides render the same text.
 *
 *   os
 *     family: linux
 *     version: ? unknown — lsb_release: command not found
 *   disks
 *     [0]
 *       encryption_enabled: ? unknown — cryptsetup: permission denied
 *   software: ? unknown — not collected on linux yet
 *
 * A `null` with a reason in `unknown` is marked `? unknown — <reason>`; a `null` without one is
 * shown as `? unknown — (no reason recorded)` because the contract says every null has a reason,
 * and a reader should see when a collector broke it. Reasons whose path is not in the document
 * are listed at the end rather than silently dropped.
 */

import { joinFactPath } from "./paths.ts";

export interface FactsTreeOptions {
  /** Items shown per array before `… N more` (processes and software run to thousands). Default 25. */
  maxArrayItems?: number;
  /** Indentation per level. Default two spaces. */
  indent?: string;
}

export const UNKNOWN_MARK = "? unknown";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function renderFactsTree(
  facts: Record<string, unknown>,
  unknown: Record<string, string>,
  options: FactsTreeOptions = {},
): string {
  const maxItems = options.maxArrayItems ?? 25;
  const indent = options.indent ?? "  ";
  const lines: string[] = [];
  const placed = new Set<string>();

  const reasonFor = (path: string): string => {
    const reason = unknown[path];
    if (reason !== undefined) {
      placed.add(path);
      return `${UNKNOWN_MARK} — ${oneLine(reason)}`;
    }
    return `${UNKNOWN_MARK} — (no reason recorded)`;
  };

  const visit = (label: string, path: string, value: Json | undefined, depth: number): void => {
    const pad = indent.repeat(depth);
    const head = label === "" ? "\"\"" : oneLine(label);
    if (value === null || value === undefined) {
      lines.push(`${pad}${head}: ${reasonFor(path)}`);
      return;
    }
    if (Array.isArray(value)) {
      if (value.length === 0) {
        lines.push(`${pad}${head}: (none)`);
        return;
      }
      if (value.every(isScalar) && value.length <= maxItems) {
        lines.push(`${pad}${head}: ${value.map((v) => formatScalar(v, "")).join(", ")}`);
        return;
      }
      lines.push(`${pad}${head}${countSuffix(value.length)}`);
      value.slice(0, maxItems).forEach((item, i) => {
        // Rows such as groups or processes read best as one line each; an item with a null
        // stays expanded so its reason shows in place.
        const row = compactRow(item);
        if (row !== undefined) lines.push(`${pad}${indent}[${i}] ${row}`);
        else visit(`[${i}]`, `${path}[${i}]`, item, depth + 1);
      });
      if (value.length > maxItems) {
        lines.push(`${pad}${indent}… ${value.length - maxItems} more`);
        // Reasons under hidden items are still reported, in the trailing section.
      }
      return;
    }
    if (typeof value === "object") {
      lines.push(`${pad}${head}`);
      const keys = Object.keys(value);
      if (keys.length === 0) lines.push(`${pad}${indent}(empty)`);
      for (const key of keys) visit(key, joinFactPath(path, key), value[key], depth + 1);
      return;
    }
    lines.push(`${pad}${head}: ${formatScalar(value, label)}`);
  };

  for (const key of Object.keys(facts)) visit(key, key, facts[key] as Json | undefined, 0);

  const leftover = Object.keys(unknown)
    .filter((path) => !placed.has(path))
    .sort();
  if (leftover.length > 0) {
    lines.push("", "other unknowns");
    for (const path of leftover) lines.push(`${indent}${path || "(document)"}: ${UNKNOWN_MARK} — ${oneLine(unknown[path] ?? "")}`);
  }
  return lines.join("\n") + "\n";
}

const COMPACT_ROW_MAX = 100;

function compactRow(item: Json): string | undefined {
  if (item === null || typeof item !== "object" || Array.isArray(item)) return undefined;
  const entries = Object.entries(item);
  if (entries.length === 0 || !entries.every(([, v]) => v !== null && isScalar(v))) return undefined;
  const row = entries.map(([k, v]) => `${oneLine(k)}: ${formatScalar(v as string | number | boolean, k)}`).join(", ");
  return row.length <= COMPACT_ROW_MAX ? row : undefined;
}

function countSuffix(n: number): string {
  return ` (${n} item${n === 1 ? "" : "s"})`;
}

function isScalar(value: Json): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

function formatScalar(value: string | number | boolean, key: string): string {
  if (typeof value === "number" && key.endsWith("_bytes")) return `${value} (${humanBytes(value)})`;
  if (typeof value === "string") return value === "" ? '""' : oneLine(value);
  return String(value);
}

/** Control characters from a device are never echoed raw to an admin's terminal. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\n" ? "⏎" : "�"));
}

export function humanBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}
