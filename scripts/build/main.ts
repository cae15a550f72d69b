/** `npm run build` (and `prepare`, so `npm install` runs it): the commands into dist/. */
import path from "node:path";
import { COMMANDS, buildCommands } from "./commands.ts";

const root = path.resolve(new URL("../..", import.meta.url).pathname);
const built = await buildCommands({ root, outDir: path.join(root, "dist") });
process.stderr.write(`built ${Object.keys(COMMANDS).join(", ")} into dist/ in ${built.seconds.toFixed(1)} s (on PATH: bin/)\n`);
