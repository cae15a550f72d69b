/**
 * Bundles the connector for a single executable: one CommonJS file with everything inside it,
 * since a Node 22 SEA main runs as CommonJS and its `require` reaches only built-in modules.
 *
 * What the checkout's connector reads from files beside its code is carried in the bundle instead:
 *   - the SQLite writer thread (writer-thread.ts) becomes a second bundle, embedded as a string and
 *     started as an eval worker (FACET_EMBEDDED_WRITER), and so do the frame verify threads
 *     (verify-pool.ts, FACET_EMBEDDED_VERIFIER);
 *   - the console's stylesheet and script (console/assets.ts) become FACET_EMBEDDED_CONSOLE_ASSETS;
 *   - better-sqlite3's `require('bindings')` resolves to sqlite-binding.ts, and ws's
 *     `require('bufferutil')` to bufferutil-binding.ts, which load the addons the executable
 *     carries as SEA assets.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { build, type BuildOptions, type Plugin } from "esbuild";
import { singleFileBuildOptions, writeMarkedBundle, type Bundle } from "../bundle.ts";

const CONSOLE_ASSETS = ["console.css", "console.js"] as const;

/** Optional accelerators and drivers their packages load in a try/catch, and pg's Workers-only socket. */
const ABSENT = ["utf-8-validate", "pg-native", "cloudflare:sockets"];

/**
 * A package that loads a native addon becomes the loader of the embedded addon: `bindings`
 * (better-sqlite3's addon locator, which better-sqlite3 calls: `require('bindings')('better_sqlite3.node')`)
 * and `bufferutil` (which ws uses as it is).
 */
function embeddedAddons(root: string): Plugin {
  const loaders: Record<string, string> = { bindings: "sqlite-binding.ts", bufferutil: "bufferutil-binding.ts" };
  return {
    name: "facet-embedded-addons",
    setup(b) {
      b.onResolve({ filter: /^(bindings|bufferutil)$/ }, (args) => ({ path: args.path, namespace: "facet-embedded-addon" }));
      b.onLoad({ filter: /.*/, namespace: "facet-embedded-addon" }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(path.join(root, "scripts", "package", "connector", loaders[args.path]!))}).default;`,
        loader: "js",
        resolveDir: root,
      }));
    },
  };
}

function common(root: string): BuildOptions {
  return { ...singleFileBuildOptions(root), external: ABSENT, plugins: [embeddedAddons(root)] };
}

export async function bundleConnector(opts: { root: string; outDir: string; version: string }): Promise<Bundle> {
  const base = common(opts.root);
  const writer = await build({ ...base, entryPoints: ["connector/store/sqlite/writer-worker.ts"] });
  const writerCode = writer.outputFiles?.[0]?.text;
  if (!writerCode) throw new Error("esbuild produced no writer-thread bundle");
  const verifier = await build({ ...base, entryPoints: ["connector/agent-channel/verify-worker.ts"] });
  const verifierCode = verifier.outputFiles?.[0]?.text;
  if (!verifierCode) throw new Error("esbuild produced no verify-thread bundle");
  const consoleAssets = Object.fromEntries(CONSOLE_ASSETS.map((name) => [name, readFileSync(path.join(opts.root, "connector", "console", "assets", name), "utf8")]));
  const main = await build({
    ...base,
    entryPoints: ["connector/main.ts"],
    define: {
      ...base.define,
      FACET_EMBEDDED_WRITER: JSON.stringify(writerCode),
      FACET_EMBEDDED_VERIFIER: JSON.stringify(verifierCode),
      FACET_EMBEDDED_CONSOLE_ASSETS: JSON.stringify(consoleAssets),
    },
  });
  const out = main.outputFiles?.[0];
  if (!out) throw new Error("esbuild produced no connector bundle");
  const inputs = [...new Set([main, writer, verifier].flatMap((b) => Object.keys(b.metafile!.inputs)))];
  return writeMarkedBundle(out, { app: "facet-connector", version: opts.version, outDir: opts.outDir, inputs });
}
