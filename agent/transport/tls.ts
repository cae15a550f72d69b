/** Extra trust for a connector whose certificate comes from a private CA (`--ca <pem file>`). */
import { readFileSync } from "node:fs";
import { AgentError } from "../errors.ts";

export function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = readFileSync(file, "utf8");
  } catch (err) {
    throw new AgentError("config_invalid", `cannot read CA file ${file}: ${(err as Error).message}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new AgentError("config_invalid", `CA file ${file} contains no PEM certificate`);
  }
  return pem;
}
