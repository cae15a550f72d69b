/**
 * The PKCS#12 and its password on disk for the seconds an import takes: a fresh private directory
 * (0700) holding two 0600 files, created exclusively by the agent and only then handed to the user
 * the import runs as, and removed afterwards whatever happened.
 */
import { chownSync, mkdtempSync, openSync, closeSync, writeSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ImportFiles } from "./types.ts";

export interface Owner {
  uid: number;
  gid: number;
}

export async function withImportFiles<T>(pkcs12: Buffer, password: string, owner: Owner | undefined, use: (files: ImportFiles) => Promise<T>, parent: string = tmpdir()): Promise<T> {
  const dir = mkdtempSync(path.join(parent, "facet-cert-"));
  try {
    const files: ImportFiles = { dir, pkcs12: path.join(dir, "device.p12"), passwordFile: path.join(dir, "password"), password };
    writeExclusive(files.pkcs12, pkcs12);
    writeExclusive(files.passwordFile, Buffer.from(`${password}\n`, "utf8"));
    // Files first, directory last: until the directory changes hands nobody else can enter it.
    if (owner !== undefined && process.getuid?.() !== owner.uid) {
      chownSync(files.pkcs12, owner.uid, owner.gid);
      chownSync(files.passwordFile, owner.uid, owner.gid);
      chownSync(dir, owner.uid, owner.gid);
    }
    return await use(files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function writeExclusive(file: string, data: Buffer): void {
  const fd = openSync(file, "wx", 0o600);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  } finally {
    closeSync(fd);
  }
}
