/**
 * Reads what can be checked of a built executable on any host: its format and CPU from the header,
 * whether the Node SEA fuse was flipped (Node only looks for an embedded app when it is), whether
 * our bundle is inside it, and for Mach-O whether a code signature load command is present. The
 * build refuses to emit a binary that fails these, and the tests use the same reader.
 */
import type { Arch, ExecutableFormat } from "./targets.ts";

/** postject's sentinel; the trailing digit is 0 in a stock node binary and 1 once a blob is injected. */
export const SEA_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

export interface ExecutableInfo {
  format: ExecutableFormat | "unknown";
  arch: Arch | "other" | "unknown";
  /** SEA fuse state: true once postject injected a blob, false in a stock binary, null if absent. */
  seaFuseFlipped: boolean | null;
  /** Mach-O only: an LC_CODE_SIGNATURE load command is present (signed, ad hoc or otherwise). */
  machoSigned?: boolean;
  /** Mach-O only: postject's NODE_SEA segment is present. */
  machoSeaSegment?: boolean;
}

const ELF_MACHINE: Record<number, Arch> = { 0x3e: "x64", 0xb7: "arm64" };
const PE_MACHINE: Record<number, Arch> = { 0x8664: "x64", 0xaa64: "arm64" };
const MACHO_CPU: Record<number, Arch> = { 0x01000007: "x64", 0x0100000c: "arm64" };
const LC_SEGMENT_64 = 0x19;
const LC_CODE_SIGNATURE = 0x1d;

export function inspectExecutable(buf: Buffer): ExecutableInfo {
  const fuse = seaFuseState(buf);
  if (buf.length >= 20 && buf.readUInt32BE(0) === 0x7f454c46) {
    // e_machine sits at 18 in both ELF32 and ELF64; EI_DATA (byte 5) 1 = little endian.
    const machine = buf[5] === 1 ? buf.readUInt16LE(18) : buf.readUInt16BE(18);
    return { format: "elf", arch: ELF_MACHINE[machine] ?? "other", seaFuseFlipped: fuse };
  }
  if (buf.length >= 0x40 && buf.toString("latin1", 0, 2) === "MZ") {
    const peOffset = buf.readUInt32LE(0x3c);
    if (peOffset + 6 <= buf.length && buf.readUInt32BE(peOffset) === 0x50450000) {
      return { format: "pe", arch: PE_MACHINE[buf.readUInt16LE(peOffset + 4)] ?? "other", seaFuseFlipped: fuse };
    }
  }
  if (buf.length >= 32 && buf.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = buf.readUInt32LE(4);
    const { signed, seaSegment } = machoLoadCommands(buf);
    return {
      format: "macho", arch: MACHO_CPU[cpu] ?? "other", seaFuseFlipped: fuse,
      machoSigned: signed, machoSeaSegment: seaSegment,
    };
  }
  return { format: "unknown", arch: "unknown", seaFuseFlipped: fuse };
}

function seaFuseState(buf: Buffer): boolean | null {
  const at = buf.indexOf(`${SEA_FUSE}:`, 0, "latin1");
  if (at < 0) return null;
  return buf[at + SEA_FUSE.length + 1] === 0x31; // "1"
}

function machoLoadCommands(buf: Buffer): { signed: boolean; seaSegment: boolean } {
  const ncmds = buf.readUInt32LE(16);
  let off = 32; // mach_header_64
  let signed = false;
  let seaSegment = false;
  for (let i = 0; i < ncmds && off + 8 <= buf.length; i++) {
    const cmd = buf.readUInt32LE(off);
    const size = buf.readUInt32LE(off + 4);
    if (cmd === LC_CODE_SIGNATURE) signed = true;
    if (cmd === LC_SEGMENT_64 && buf.toString("latin1", off + 8, off + 24).replace(/\0+$/, "") === "NODE_SEA") seaSegment = true;
    if (size < 8) break;
    off += size;
  }
  return { signed, seaSegment };
}

/** True if the exact bytes of our bundle's identifying banner are inside the executable. */
export function containsMarker(buf: Buffer, marker: string): boolean {
  return buf.indexOf(marker, 0, "utf8") >= 0;
}
