/**
 * What `run` does before connecting: enroll from the MDM-dropped config file / env vars when the
 * device is not enrolled yet (unattended.ts), and say what happened.
 */
import type { Logger } from "../log.ts";
import { asServicePlatform, serviceLayout } from "./layout.ts";
import { enrollUnattended, unattendedConfigPath } from "./unattended.ts";

export async function enrollFromDeploymentConfig(
  stateDir: string,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  o: { insecure: boolean } = { insecure: false },
): Promise<void> {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  let systemPath: string | undefined;
  try {
    systemPath = serviceLayout(asServicePlatform(process.platform), env).configPath;
  } catch {
    systemPath = undefined;
  }
  const configPath = unattendedConfigPath(env, process.platform, isRoot, systemPath);
  const hasEnv = Boolean(env.FACET_URL || env.FACET_ENROLL_TOKEN);
  if (configPath === undefined && !hasEnv) return;
  const outcome = await enrollUnattended({ stateDir, ...(configPath !== undefined ? { configPath } : {}), env, logger: log, ...(o.insecure ? { insecure: true } : {}) });
  if (outcome.action === "enrolled") log.info({ deviceId: outcome.result.deviceId, tokenRemovedFrom: outcome.tokenRemovedFrom }, "enrolled from the deployment config");
  else if (outcome.action === "already-enrolled" && outcome.tokenRemovedFrom) log.info({ config: outcome.tokenRemovedFrom }, "removed a leftover enrollment token from the deployment config");
}
