/**
 * A view to be written, as text, whichever form it reached the store in (types.ts RenderedView or
 * RenderedViewBytes). The bytes are the UTF-8 of JSON.stringify's output, which never holds a lone
 * surrogate, so decoding gives back exactly the rendered text.
 */
import type { RenderedView, RenderedViewBytes } from "./types.ts";

const decoder = new TextDecoder("utf-8", { fatal: true });

export function viewText(view: RenderedView | RenderedViewBytes): string {
  return "json" in view ? view.json : decoder.decode(view.utf8);
}

/** Its size in bytes or UTF-16 units, for batch sizing: either is close enough to bound a batch. */
export function viewLength(view: RenderedView | RenderedViewBytes): number {
  return "json" in view ? view.json.length : view.utf8.byteLength;
}
