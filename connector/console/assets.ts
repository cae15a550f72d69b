/**
 * The console's static files (one stylesheet, one script module), read once from ./assets and
 * served from memory under a content-hashed name, so a browser may cache them forever and still
 * never runs an old script against a new page. No CDN, no build step: they are plain CSS and JS.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Hono } from "hono";

const TYPES: Record<string, string> = { css: "text/css; charset=utf-8", js: "text/javascript; charset=utf-8" };
const NAMES = ["console.css", "console.js"] as const;
type AssetName = (typeof NAMES)[number];

interface Asset {
  body: string;
  type: string;
  url: string;
}

/** The packaged connector (scripts/package/connector/) has no ./assets directory: it carries them here. */
declare const FACET_EMBEDDED_CONSOLE_ASSETS: Record<AssetName, string> | undefined;

const assets = new Map<AssetName, Asset>(
  NAMES.map((name) => {
    const body = typeof FACET_EMBEDDED_CONSOLE_ASSETS === "object" ? FACET_EMBEDDED_CONSOLE_ASSETS[name] : readFileSync(new URL(`./assets/${name}`, import.meta.url), "utf8");
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
    const [base, ext] = name.split(".") as [string, string];
    return [name, { body, type: TYPES[ext]!, url: `/console/assets/${base}.${hash}.${ext}` }];
  }),
);

export const assetUrl = (name: AssetName): string => assets.get(name)!.url;

export function mountAssets(app: Hono<any>): void {
  const byUrl = new Map([...assets.values()].map((a) => [a.url, a]));
  app.get("/console/assets/:file", (c) => {
    const asset = byUrl.get(c.req.path);
    if (!asset) return c.text("not found", 404);
    return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=31536000, immutable" });
  });
}
