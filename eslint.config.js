// typescript-eslint's recommended rules plus the type-aware ones that catch real bugs here: a promise
// nobody awaits (a failed store write would vanish) and a promise passed where a value was meant.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".facet-demo/", "**/fixtures/**"] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        // node:test registers a test synchronously; the promise it returns is the runner's.
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["test", "it", "describe", "suite", "before", "after", "beforeEach", "afterEach"] }] },
      ],
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", caughtErrors: "none" }],
      // Sub-apps are mounted under the parent's env type; hono spells that Hono<any>.
      "@typescript-eslint/no-explicit-any": "off",
      // Terminal-safety code and its tests match control characters on purpose.
      "no-control-regex": "off",
      // The stores build WHERE clauses as `if (x) (where.push(…), params.x = x)`.
      "@typescript-eslint/no-unused-expressions": "off",
      // `const self = this` hands the instance to a getter-bearing object literal.
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["self"] }],
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
      // A `let ok = false` before a try that may throw reads as the answer when it does.
      "no-useless-assignment": "off",
    },
  },
  {
    // PostgresStore merges an interface into the class to type the methods its constructor
    // assigns from the per-concern stores.
    files: ["connector/store/postgres/store.ts"],
    rules: { "@typescript-eslint/no-unsafe-declaration-merging": "off" },
  },
  {
    files: ["connector/console/assets/**/*.js"],
    languageOptions: { globals: { document: "readonly", fetch: "readonly", location: "readonly", setTimeout: "readonly", window: "readonly" } },
  },
  {
    files: ["**/*.mjs", "**/*.cjs", "*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", module: "writable", require: "readonly", __dirname: "readonly" } },
  },
);
