/**
 * Linux hardware: systeminformation reads /sys/class/dmi/id. product_serial and product_uuid are
 * mode 0400 root, so without root they are unknown "needs root"; in a container the DMI tree is
 * often not mounted at all.
 */
import { access } from "node:fs/promises";
import { constants } from "node:fs";

export async function dmiUnavailableReason(elevated: boolean): Promise<string> {
  const present = await access("/sys/class/dmi/id", constants.R_OK).then(() => true, () => false);
  if (!present) return "no /sys/class/dmi/id (container or firmware without DMI)";
  return elevated ? "empty in DMI (/sys/class/dmi/id)" : "/sys/class/dmi/id is readable by root only: needs root";
}
