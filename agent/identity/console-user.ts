/**
 * The person at the console, bound to the device at enrollment so an identity provider can look a
 * device up by username. The agent often runs as root/SYSTEM (a service, `sudo facet-agent
 * enroll`), so the process user is only the answer when it is not a service account.
 * Returns undefined when it cannot tell; enrollment then omits the field rather than guess.
 */
import { execFile } from "node:child_process";
import os from "node:os";

const SERVICE_ACCOUNTS = new Set(["root", "system", "nobody", "daemon"]);

export async function consoleUsername(): Promise<string | undefined> {
  const self = safeUserName();
  if (self !== undefined && !SERVICE_ACCOUNTS.has(self.toLowerCase()) && !self.endsWith("$")) return self;
  const sudoUser = process.env.SUDO_USER;
  if (sudoUser && sudoUser !== "root") return sudoUser;
  if (process.platform === "darwin") {
    // The owner of /dev/console is the logged-in GUI user; "root" at the login window.
    const owner = (await run("stat", ["-f", "%Su", "/dev/console"]))?.trim();
    return owner && owner !== "root" ? owner : undefined;
  }
  if (process.platform === "linux") return parseWhoForConsoleUser((await run("who", [])) ?? "");
  return undefined;
}

/** `who` lines look like `alice    seat0        2024-05-01 09:12 (login screen)` or `bob tty2 …`. */
export function parseWhoForConsoleUser(output: string): string | undefined {
  const rows = output
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 2 && cols[0] !== "");
  const graphical = rows.find((cols) => /^(seat\d+|:\d+|tty\d+)$/.test(cols[1] ?? ""));
  const user = graphical?.[0];
  return user && user !== "root" ? user : undefined;
}

function safeUserName(): string | undefined {
  try {
    return os.userInfo().username;
  } catch {
    return undefined;
  }
}

function run(cmd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 3000 }, (err, stdout) => resolve(err ? undefined : stdout));
  });
}
