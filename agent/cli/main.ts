#!/usr/bin/env -S npx tsx
/** `facet-agent`: registers one command per file in ./commands. */
import { createProgram, execute } from "./program.ts";
import { enrollCommand } from "./commands/enroll.ts";
import { runCommand } from "./commands/run.ts";
import { factsCommand } from "./commands/facts.ts";
import { statusCommand } from "./commands/status.ts";
import { installCommand } from "./commands/install.ts";
import { uninstallCommand } from "./commands/uninstall.ts";

const program = createProgram();
program.addCommand(enrollCommand());
program.addCommand(runCommand());
program.addCommand(factsCommand());
program.addCommand(statusCommand());
program.addCommand(installCommand());
program.addCommand(uninstallCommand());

// No top-level await: the packaged agent is a CommonJS bundle (Node SEA); execute() handles errors.
void execute(program);
