import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { serviceLayout, type ServiceLayout } from "./layout.ts";
import { describePlan, executePlan, installPlan, uninstallPlan, type Step } from "./plan.ts";
import { quoteWindowsArg, windowsCommandLine, windowsDisableTaskCommand, windowsInstallCommands, windowsQueryCommand, windowsTaskName, windowsTaskXml } from "./windows.ts";

const win = serviceLayout("win32", { ProgramFiles: "C:\\Program Files", ProgramData: "C:\\ProgramData" });
const TASK = "\\Facet\\FacetAgent";

/** Parses the task XML strictly (well-formedness first), keeping attributes and every value as text. */
function parseTask(xml: string) {
  const valid = XMLValidator.validate(xml);
  assert.equal(valid, true, `not well-formed XML: ${JSON.stringify(valid)}`);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@", parseTagValue: false, trimValues: false }).parse(xml);
  return doc.Task;
}

/**
 * Windows' own command-line splitting (CommandLineToArgvW / the MSVC runtime Node is built with):
 * 2n backslashes + quote → n backslashes and a quote toggle; 2n+1 → n backslashes and a literal
 * quote; other backslashes are literal. Written from the documented rules, independent of the quoter.
 */
function splitWindowsArgs(line: string): string[] {
  const args: string[] = [];
  let cur = "";
  let inQuotes = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "\\") {
      let n = 0;
      while (line[i] === "\\") { n++; i++; }
      if (line[i] === '"') {
        cur += "\\".repeat(Math.floor(n / 2));
        if (n % 2 === 1) cur += '"';
        else inQuotes = !inQuotes;
      } else {
        cur += "\\".repeat(n);
        i--;
      }
      started = true;
    } else if (ch === '"') {
      inQuotes = !inQuotes;
      started = true;
    } else if ((ch === " " || ch === "\t") && !inQuotes) {
      if (started) args.push(cur);
      cur = "";
      started = false;
    } else {
      cur += ch;
      started = true;
    }
  }
  if (started) args.push(cur);
  return args;
}

test("the task XML is well-formed and runs the installed binary as SYSTEM with highest privileges", () => {
  const task = parseTask(windowsTaskXml(win));
  assert.equal(task["@xmlns"], "http://schemas.microsoft.com/windows/2004/02/mit/task");
  assert.equal(task["@version"], "1.2");
  const principal = task.Principals.Principal;
  assert.equal(principal.UserId, "S-1-5-18");
  assert.equal(principal.RunLevel, "HighestAvailable");
  // The schema's LogonType has no value for LocalSystem; Windows itself exports SYSTEM tasks without one.
  assert.equal(principal.LogonType, undefined);
  assert.equal(task.Actions["@Context"], principal["@id"]);
});

test("the task starts at boot, runs without a time limit, on battery, and is started again within a minute after it exits", () => {
  const task = parseTask(windowsTaskXml(win));
  assert.equal(task.Triggers.BootTrigger.Enabled, "true");
  const watchdog = task.Triggers.TimeTrigger;
  assert.equal(watchdog.Enabled, "true");
  assert.equal(watchdog.Repetition.Interval, "PT1M");
  assert.equal(watchdog.Repetition.Duration, undefined, "a Duration would end the watchdog");
  assert.equal(watchdog.Repetition.StopAtDurationEnd, "false");
  const s = task.Settings;
  assert.equal(s.MultipleInstancesPolicy, "IgnoreNew", "the watchdog must not start a second agent");
  assert.equal(s.ExecutionTimeLimit, "PT0S");
  assert.equal(s.RestartOnFailure.Interval, "PT1M");
  assert.equal(s.RestartOnFailure.Count, "3");
  assert.equal(s.DisallowStartIfOnBatteries, "false");
  assert.equal(s.StopIfGoingOnBatteries, "false");
  assert.equal(s.IdleSettings.StopOnIdleEnd, "false");
  assert.equal(s.AllowHardTerminate, "true", "uninstall ends it with schtasks /End");
  assert.equal(s.Enabled, "true");
  assert.equal(s.Priority, "4");
});

test("a rejected device is not restarted: Task Scheduler cannot filter by exit code, so the task tells the agent to disable it", () => {
  const task = parseTask(windowsTaskXml(win));
  const args = splitWindowsArgs(task.Actions.Exec.Arguments);
  assert.equal(args[args.indexOf("--disable-task-when-rejected") + 1], TASK);
  assert.deepEqual(windowsDisableTaskCommand(TASK), ["schtasks.exe", "/Change", "/TN", TASK, "/DISABLE"]);
  // What the agent disables is what install registers and uninstall deletes.
  assert.ok(windowsInstallCommands(win)[0]!.includes(TASK));
  // The schema has no exit-code condition: the only restart settings are the watchdog and RestartOnFailure.
  assert.doesNotMatch(windowsTaskXml(win), /ExitCode|SuccessExit/i);
});

test("the task logs to a rotated file in the state directory, which install locks to SYSTEM and Administrators", () => {
  const args = splitWindowsArgs(parseTask(windowsTaskXml(win)).Actions.Exec.Arguments);
  const logFile = args[args.indexOf("--log-file") + 1]!;
  assert.equal(logFile, "C:\\ProgramData\\Facet\\logs\\facet-agent.log");
  assert.equal(win.logPath, logFile, "status names the file the task writes");
  assert.ok(logFile.startsWith(`${win.stateDir}\\`), "inside the ACL'd state dir, so it inherits SYSTEM/Administrators only");
  const acl = installPlan({ layout: win, sourceBinary: "C:\\x.exe" }).find((s) => s.kind === "run" && s.argv[0] === "icacls.exe") as Extract<Step, { kind: "run" }>;
  assert.ok(acl.argv.includes("/inheritance:r") && acl.argv.some((a) => a.includes("(OI)(CI)")), "the grants are inheritable by files and folders created later");
});

test("the task's command line is the installed binary with the state dir, quoted where paths have spaces", () => {
  const exec = parseTask(windowsTaskXml(win)).Actions.Exec;
  assert.equal(exec.Command, '"C:\\Program Files\\Facet\\facet-agent.exe"');
  assert.equal(exec.Arguments, `run --state-dir C:\\ProgramData\\Facet --log-file C:\\ProgramData\\Facet\\logs\\facet-agent.log --disable-task-when-rejected ${TASK}`);
  assert.equal(exec.WorkingDirectory, "C:\\Program Files\\Facet");
  assert.deepEqual(splitWindowsArgs(`${exec.Command} ${exec.Arguments}`), [
    "C:\\Program Files\\Facet\\facet-agent.exe", "run", "--state-dir", "C:\\ProgramData\\Facet",
    "--log-file", "C:\\ProgramData\\Facet\\logs\\facet-agent.log", "--disable-task-when-rejected", TASK,
  ]);

  const spaced: ServiceLayout = { ...win, binaryPath: "D:\\Apps & Tools\\Facet\\facet-agent.exe", stateDir: "D:\\Facet Data\\state\\" };
  const e2 = parseTask(windowsTaskXml(spaced)).Actions.Exec;
  assert.equal(e2.Command, '"D:\\Apps & Tools\\Facet\\facet-agent.exe"');
  // The trailing backslash is doubled, or it would escape the closing quote and swallow the rest.
  assert.ok(e2.Arguments.startsWith('run --state-dir "D:\\Facet Data\\state\\\\" --log-file "D:\\Facet Data\\state\\logs\\facet-agent.log"'), e2.Arguments);
  assert.deepEqual(splitWindowsArgs(windowsCommandLine(spaced)), [
    spaced.binaryPath, "run", "--state-dir", spaced.stateDir, "--log-file", "D:\\Facet Data\\state\\logs\\facet-agent.log", "--disable-task-when-rejected", TASK,
  ]);
  assert.ok(windowsTaskXml(spaced).includes("D:\\Apps &amp; Tools"), "& is escaped in the XML");
});

test("any argument survives quoting and Windows' command-line parsing unchanged", () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: fc.constantFrom("a", " ", "\\", '"', "\t", "é", ":") }), { minLength: 1, maxLength: 5 }), (args) => {
      assert.deepEqual(splitWindowsArgs(args.map(quoteWindowsArg).join(" ")), args);
    }),
    { numRuns: 2000 },
  );
});

test("install on Windows locks the key directory before enrolling, stops a running agent before replacing it, then registers and starts the task", () => {
  const steps = installPlan({ layout: win, sourceBinary: "C:\\Users\\it\\Downloads\\facet-agent.exe", enrollUrl: "https://facet.example" });
  assert.deepEqual(steps.map(kindOf), [
    "mkdir C:\\ProgramData\\Facet",
    "run icacls.exe C:\\ProgramData\\Facet /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F",
    "mkdir C:\\Program Files\\Facet",
    `run schtasks.exe /End /TN ${TASK} (may fail)`,
    "copy C:\\Program Files\\Facet\\facet-agent.exe",
    "enroll https://facet.example",
    "write C:\\Program Files\\Facet\\facet-agent-task.xml",
    `run schtasks.exe /Create /TN ${TASK} /XML C:\\Program Files\\Facet\\facet-agent-task.xml /F`,
    `run schtasks.exe /Run /TN ${TASK}`,
  ]);
  const write = steps.find((s) => s.kind === "write") as Extract<Step, { kind: "write" }>;
  assert.equal(write.encoding, "utf16le-bom");
  assert.equal(write.content, windowsTaskXml(win));
  // No service is created: the SCM would kill a Node executable with error 1053.
  assert.ok(!steps.some((s) => s.kind === "run" && s.argv[0] === "sc.exe"));
});

test("the task file is written as UTF-16LE with a BOM, matching its declaration, as schtasks requires", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "facet-task-"));
  const file = path.join(dir, "facet-agent-task.xml");
  const content = windowsTaskXml({ ...win, stateDir: "C:\\ProgramData\\Fäcet" });
  await executePlan([{ kind: "write", path: file, mode: 0o644, content, encoding: "utf16le-bom" }]);
  const bytes = readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xfe]);
  const text = bytes.subarray(2).toString("utf16le");
  assert.equal(text, content);
  assert.match(text, /^<\?xml version="1\.0" encoding="UTF-16"\?>/);
  assert.match(parseTask(text).Actions.Exec.Arguments, /^run --state-dir C:\\ProgramData\\Fäcet --log-file C:\\ProgramData\\Fäcet\\logs\\facet-agent\.log /);
});

test("uninstall on Windows ends and deletes the task and its file, and leaves the running executable (Windows cannot delete it)", () => {
  const steps = uninstallPlan({ layout: win, purge: false, runningBinary: "c:\\program files\\facet\\facet-agent.exe" });
  assert.deepEqual(steps.map(kindOf), [
    `run schtasks.exe /End /TN ${TASK} (may fail)`,
    `run schtasks.exe /Delete /TN ${TASK} /F`,
    "remove C:\\Program Files\\Facet\\facet-agent-task.xml",
  ]);
  const fromElsewhere = uninstallPlan({ layout: win, purge: true, runningBinary: "C:\\Users\\it\\facet-agent.exe" });
  assert.deepEqual(fromElsewhere.slice(3).map(kindOf), ["remove C:\\Program Files\\Facet\\facet-agent.exe", "remove C:\\ProgramData\\Facet", "remove C:\\ProgramData\\Facet\\agent.json"]);
});

test("the Windows dry run prints the whole task XML and every schtasks command", () => {
  const text = describePlan(installPlan({ layout: win, sourceBinary: "C:\\Users\\it\\facet-agent.exe", enrollUrl: "https://facet.example" }));
  assert.ok(text.includes("write 'C:\\Program Files\\Facet\\facet-agent-task.xml' (mode 0644, UTF-16LE with BOM):"));
  for (const line of windowsTaskXml(win).trimEnd().split("\n")) assert.ok(text.includes(`    ${line}`), `dry run lacks: ${line}`);
  assert.ok(text.includes(`run schtasks.exe /Create /TN '${TASK}' /XML 'C:\\Program Files\\Facet\\facet-agent-task.xml' /F`));
  assert.ok(text.includes(`run schtasks.exe /End /TN '${TASK}'   (failure ignored)`));
});

test("an admin can query the task by its name", () => {
  assert.equal(windowsTaskName(win), TASK);
  assert.deepEqual(windowsQueryCommand(win), ["schtasks.exe", "/Query", "/TN", TASK, "/V", "/FO", "LIST"]);
});

function kindOf(s: Step): string {
  switch (s.kind) {
    case "run": return `run ${s.argv.join(" ")}${s.allowFailure ? " (may fail)" : ""}`;
    case "copy": return `copy ${s.to}`;
    case "enroll": return `enroll ${s.url}`;
    default: return `${s.kind} ${s.path}`;
  }
}
