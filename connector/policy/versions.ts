/**
 * Version strings as agents report them, made comparable.
 *
 * macOS `14.6.1`, Windows `10.0.22631.4037` (major.minor.build.UBR), Linux `24.04.3 LTS (Noble
 * Numbat)`: all start with dotted numbers, which is all a comparison needs. Anything else is not a
 * version and the caller reports the check as unknown rather than guessing.
 */

export type Version = readonly number[];

const LEADING_VERSION = /^\s*v?(\d{1,9}(?:\.\d{1,9}){0,5})/;

/** The leading dotted numbers of `text`, or null when it does not start with one. */
export function parseVersion(text: string | null | undefined): Version | null {
  if (typeof text !== "string") return null;
  const match = LEADING_VERSION.exec(text);
  return match ? match[1]!.split(".").map(Number) : null;
}

/** Compares component-wise; missing trailing components count as 0 (`14.6` = `14.6.0`). */
export function compareVersions(a: Version, b: Version): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

/** True when `prefix`'s components are the first components of `version` (`24.04` of `24.04.3`). */
export function hasVersionPrefix(version: Version, prefix: Version): boolean {
  return prefix.length <= version.length && prefix.every((part, i) => version[i] === part);
}

export function formatVersion(version: Version): string {
  return version.join(".");
}
