/** The OS version checks, chosen by the policy's platform. */
import type { CheckContext, CheckOutcome } from "../../types.ts";
import { checkLinuxVersion } from "./linux.ts";
import { checkMacosVersion } from "./macos.ts";
import { checkWindowsConstraints, checkWindowsMinimum } from "./windows.ts";

export function checkOsVersion(ctx: CheckContext): CheckOutcome[] {
  switch (ctx.policy.platform) {
    case "MACOS":
      return [checkMacosVersion(ctx)].filter((c): c is CheckOutcome => c !== null);
    case "LINUX":
      return [checkLinuxVersion(ctx)].filter((c): c is CheckOutcome => c !== null);
    case "WINDOWS":
      return [checkWindowsMinimum(ctx), checkWindowsConstraints(ctx)].filter((c): c is CheckOutcome => c !== null);
  }
}
