/**
 * Boolean device-security requirements: `secureHardwarePresent` (Okta) and Facet's
 * `firewallEnabled` and `secureBootEnabled`. Only `true` is a requirement; `false` or absent asks
 * for nothing, as in Okta.
 */
import type { Platform } from "../schema.ts";
import type { CheckContext, CheckOutcome } from "../types.ts";
import { fail, pass, unknownOutcome, unknownReason } from "./outcome.ts";

function booleanCheck(
  ctx: CheckContext,
  check: string,
  value: boolean | null | undefined,
  path: string,
  what: string,
  failure: string,
  remediation: string,
): CheckOutcome {
  const expected = true;
  if (value === null || value === undefined) return unknownOutcome(check, expected, what, unknownReason(ctx.unknown, path));
  return value ? pass(check, value, expected) : fail(check, value, expected, failure, remediation);
}

const SECURE_HARDWARE: Record<Platform, { path: string; read: (ctx: CheckContext) => boolean | null | undefined; name: string }> = {
  MACOS: { path: "security.secure_enclave_present", read: (ctx) => ctx.facts.security?.secure_enclave_present, name: "a Secure Enclave" },
  WINDOWS: { path: "security.tpm_present", read: (ctx) => ctx.facts.security?.tpm_present, name: "a TPM" },
  LINUX: { path: "security.tpm_present", read: (ctx) => ctx.facts.security?.tpm_present, name: "a TPM" },
};

export function checkSecureHardware(ctx: CheckContext): CheckOutcome | null {
  if (ctx.policy.secureHardwarePresent !== true) return null;
  const source = SECURE_HARDWARE[ctx.policy.platform];
  return booleanCheck(ctx, "secureHardwarePresent", source.read(ctx), source.path, `whether the device has ${source.name}`, `The device has no ${source.name.slice(2)}.`, `This device lacks ${source.name}; use a device that has one, or enable it in the firmware settings.`);
}

export function checkFirewall(ctx: CheckContext): CheckOutcome | null {
  if (ctx.policy.firewallEnabled !== true) return null;
  const remediation: Record<Platform, string> = {
    MACOS: "Turn on the firewall in System Settings → Network → Firewall.",
    WINDOWS: "Turn on Microsoft Defender Firewall for all network profiles in Windows Security → Firewall & network protection.",
    LINUX: "Enable the host firewall (e.g. `sudo ufw enable` or `sudo systemctl enable --now firewalld`).",
  };
  return booleanCheck(ctx, "firewallEnabled", ctx.facts.network?.firewall_enabled, "network.firewall_enabled", "whether the firewall is on", "The firewall is off.", remediation[ctx.policy.platform]);
}

export function checkSecureBoot(ctx: CheckContext): CheckOutcome | null {
  if (ctx.policy.secureBootEnabled !== true) return null;
  return booleanCheck(ctx, "secureBootEnabled", ctx.facts.security?.secure_boot, "security.secure_boot", "whether Secure Boot is on", "Secure Boot is off.", "Turn on Secure Boot in the device's firmware (UEFI) settings.");
}
