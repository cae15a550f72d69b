/**
 * better-sqlite3's native addon, compiled for the Node.js base the packaged connector carries.
 *
 * The addon in node_modules is built for whatever Node runs the checkout (its ABI, e.g. 115 for
 * Node 20); a base of another major refuses it (`NODE_MODULE_VERSION` mismatch). better-sqlite3's
 * prebuilt binaries come from GitHub releases, not the npm registry, so the build does not rely on
 * them: it compiles the addon from the sources in the npm package (SQLite's amalgamation included)
 * with npm's own node-gyp, against the headers inside the same npm tarball the base came from
 * (`include/node/`), so nothing but the npm registry is needed. That needs a C++ toolchain, make and
 * Python on the build host, and can only target the host itself (no cross compiler is assumed).
 *
 * The result is cached beside the base: <cache>/<node version>/<target>/better-sqlite3-<version>/,
 * with `better_sqlite3.node.ok` written only after a build whose addon loaded in the base.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import * as tar from "tar";
import type { NodeBase } from "./node-base.ts";
import { NODE_VERSION, type Target } from "./targets.ts";

const execFileAsync = promisify(execFile);

export interface SqliteAddon {
  file: string;
  /** better-sqlite3's version: the bundled JavaScript must match the compiled addon. */
  version: string;
  fromCache: boolean;
}

/** The parts of the npm package node-gyp needs; the prebuilt build/ and the tests stay behind. */
const SOURCES = ["binding.gyp", "deps", "src", "package.json"];

export async function sqliteAddonFor(opts: { root: string; target: Target; base: NodeBase; cacheDir: string; log: (l: string) => void }): Promise<SqliteAddon> {
  const { root, target, base, log } = opts;
  if (target.nodePlatform !== process.platform || target.arch !== process.arch) {
    throw new Error(`better-sqlite3's addon for ${target.id} can only be compiled on a ${target.id} host (this is ${process.platform}-${process.arch})`);
  }
  const pkgDir = path.join(root, "node_modules", "better-sqlite3");
  const version = (JSON.parse(readFileSync(path.join(pkgDir, "package.json"), "utf8")) as { version: string }).version;
  const dir = path.join(opts.cacheDir, NODE_VERSION, target.id, `better-sqlite3-${version}`);
  const file = path.join(dir, "better_sqlite3.node");
  if (existsSync(`${file}.ok`) && existsSync(file)) return { file, version, fromCache: true };

  rmSync(dir, { recursive: true, force: true });
  const src = path.join(dir, "src");
  const headers = path.join(dir, "node");
  mkdirSync(headers, { recursive: true });
  for (const entry of SOURCES) cpSync(path.join(pkgDir, entry), path.join(src, entry), { recursive: true });
  await tar.x({ file: base.tarball, cwd: headers, strip: 1, filter: (p) => p.startsWith("package/include/") });
  if (!existsSync(path.join(headers, "include", "node", "node.h"))) throw new Error(`${path.basename(base.tarball)} holds no include/node/node.h to compile against`);

  const gyp = findNodeGyp();
  log(`addon    compiling better-sqlite3 ${version} for Node.js ${NODE_VERSION} (${target.id}) with ${gyp} …`);
  try {
    // Run by the base itself, so node-gyp's idea of "this Node" agrees with --nodedir.
    await execFileAsync(base.binary, [gyp, "rebuild", "--release", `--nodedir=${headers}`, "--jobs=max"], {
      cwd: src,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 30 * 60_000,
      // npm hands its config to scripts as npm_config_* variables, and node-gyp lets them override
      // its flags: a host whose npm sets `nodedir` (to build addons for the Node it runs) would
      // otherwise compile against that Node's headers instead of the base's.
      env: { ...process.env, npm_config_build_from_source: "true", npm_config_nodedir: headers },
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const tail = (e.stderr ?? e.message).trim().split("\n").slice(-6).join("\n  ");
    throw new Error(`compiling better-sqlite3 failed (needs a C++ compiler, make and Python 3):\n  ${tail}`, { cause: err });
  }
  const built = path.join(src, "build", "Release", "better_sqlite3.node");
  if (!existsSync(built)) throw new Error(`node-gyp finished but wrote no ${path.relative(dir, built)}`);
  // The proof that matters: the base loads it (a wrong ABI fails here, not on a server).
  await execFileAsync(base.binary, ["-e", "process.dlopen({ exports: {} }, process.argv[1])", built]);
  cpSync(built, file);
  rmSync(src, { recursive: true, force: true });
  rmSync(headers, { recursive: true, force: true });
  writeFileSync(`${file}.ok`, `${version} ${NODE_VERSION}\n`);
  return { file, version, fromCache: false };
}

/**
 * npm's own node-gyp: npm names it to the scripts it runs (`npm run package`), otherwise it sits
 * inside the npm installed beside this Node.
 */
function findNodeGyp(env: NodeJS.ProcessEnv = process.env): string {
  const nodeDir = path.dirname(process.execPath);
  const candidates = [
    env.npm_config_node_gyp,
    path.join(nodeDir, "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    path.join(nodeDir, "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  ];
  const found = candidates.find((c): c is string => typeof c === "string" && c !== "" && existsSync(c));
  if (!found) throw new Error("cannot find npm's node-gyp: run the build through npm (`npm run package`)");
  return found;
}
