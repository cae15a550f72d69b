/** The agent's version, reported in enrollment, auth frames and every snapshot. */
import pkg from "../package.json" with { type: "json" };

export const AGENT_VERSION: string = pkg.version;
