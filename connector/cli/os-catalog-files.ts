/**
 * Reading the files `facet os-catalog` takes, and showing feed text inert. A bad file is a usage
 * error: program.ts prints it and exits 2, like commander's own.
 */
import { readFileSync } from "node:fs";
import { OsCatalogSchema, type OsCatalog } from "../api/os-catalog.ts";
import { escapeControl } from "./terminal-safe.ts";
import { UsageError } from "./usage-error.ts";

/** A field from a feed or the connector, as inert text ("-" when absent). */
export const t = (value: unknown, absent = "-"): string => (value === undefined || value === null ? absent : escapeControl(String(value)));

export function readText(path: string): string {
  try {
    return readFileSync(path === "-" ? 0 : path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

export function readCatalogFile(path: string): OsCatalog {
  let json: unknown;
  try {
    json = JSON.parse(readText(path));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = OsCatalogSchema.safeParse(json);
  if (!parsed.success) throw new UsageError([`${path}: invalid OS catalog`, ...parsed.error.issues.slice(0, 20).map((i) => `  ${t(i.path.map(String).join("."))}: ${t(i.message)}`)].join("\n"));
  return parsed.data;
}
