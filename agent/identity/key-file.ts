/**
 * The device's Ed25519 key on disk. Created once at enrollment, written atomically with mode 0600,
 * and refused on load if anyone but the owner can read it: a readable key lets another local user
 * impersonate the device, so the agent stops and says how to fix it rather than carry on.
 */
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import { keyPairFromSeed, type DeviceKeyPair } from "../../shared/signing/sign.ts";
import { AgentError } from "../errors.ts";
import { writeFileAtomic } from "./atomic-write.ts";

const b64Bytes = (n: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, "must be base64")
    .transform((s) => Buffer.from(s, "base64"))
    .refine((b) => b.length === n, `must decode to ${n} bytes`);

const KeyFileSchema = z.strictObject({
  v: z.literal(1),
  algorithm: z.literal("ed25519"),
  publicKey: b64Bytes(32),
  /** The 32-byte seed; tweetnacl's 64-byte secret key is derived from it. */
  seed: b64Bytes(32),
});

export function saveKeyPair(file: string, pair: DeviceKeyPair): void {
  const doc = {
    v: 1,
    algorithm: "ed25519",
    publicKey: Buffer.from(pair.publicKey).toString("base64"),
    seed: Buffer.from(pair.secretKey.subarray(0, 32)).toString("base64"),
  };
  writeFileAtomic(file, JSON.stringify(doc, null, 2) + "\n", 0o600);
}

export interface KeyFileCheck {
  ok: boolean;
  /** e.g. "0600"; undefined where POSIX modes do not apply (Windows). */
  mode?: string;
  problem?: string;
}

/** POSIX permission check alone, for `status` and the service's pre-start check. */
export function checkKeyFilePermissions(file: string, platform: NodeJS.Platform = process.platform): KeyFileCheck {
  let st;
  try {
    st = statSync(file);
  } catch (err) {
    return { ok: false, problem: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  // Windows has ACLs, not mode bits; Node reports 0666 there regardless. The ProgramData
  // directory's ACL is what protects the key on Windows (set by the service installer).
  if (platform === "win32") return { ok: true };
  const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
  if ((st.mode & 0o077) !== 0) {
    return {
      ok: false,
      mode,
      problem: `key file ${file} has mode ${mode}: it is readable or writable by group/others. Run \`chmod 600 '${file}'\` (and check who may have copied it), then start the agent again.`,
    };
  }
  if (typeof process.getuid === "function" && st.uid !== process.getuid() && process.getuid() !== 0) {
    return { ok: false, mode, problem: `key file ${file} is owned by uid ${st.uid}, not by the user running the agent (uid ${process.getuid()})` };
  }
  return { ok: true, mode };
}

export function loadKeyPair(file: string): DeviceKeyPair {
  const check = checkKeyFilePermissions(file);
  if (!check.ok) {
    const code = check.mode === undefined ? "not_enrolled" : "key_file_permissions";
    throw new AgentError(code, check.problem ?? `cannot use key file ${file}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AgentError("key_file_invalid", `key file ${file} is not valid JSON (${(err as Error).message}); re-enroll the device`);
  }
  const parsed = KeyFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AgentError("key_file_invalid", `key file ${file} is invalid: ${z.prettifyError(parsed.error).replace(/\n/g, "; ")}; re-enroll the device`);
  }
  const pair = keyPairFromSeed(parsed.data.seed);
  if (!Buffer.from(pair.publicKey).equals(parsed.data.publicKey)) {
    throw new AgentError("key_file_invalid", `key file ${file} is corrupt: its public key does not match its seed; re-enroll the device`);
  }
  return pair;
}
