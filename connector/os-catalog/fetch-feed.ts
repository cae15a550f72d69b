/**
 * GETs one feed with a time limit and a size limit, and turns every failure into one line that
 * names the URL and the cause (`ECONNREFUSED`, `HTTP 404`, `timed out after 30 s`), for the
 * source's state, the log and the CLI.
 */
export class FeedFetchError extends Error {
  override name = "FeedFetchError";
  constructor(
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal | undefined;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

export async function fetchFeed(url: string, limits: FetchLimits): Promise<string> {
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = limits.signal ? AbortSignal.any([timeout, limits.signal]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: { accept: "application/json, text/plain;q=0.9, */*;q=0.5", "user-agent": "facet-connector (OS release catalog)" }, redirect: "follow" });
  } catch (error) {
    if (timeout.aborted) throw new FeedFetchError(`${url}: timed out after ${Math.round(limits.timeoutMs / 1000)} s`);
    throw new FeedFetchError(`${url}: ${causeOf(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new FeedFetchError(`${url}: HTTP ${response.status}`, response.status);
  }
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new FeedFetchError(`${url}: ${declared} bytes, more than the ${limits.maxBytes}-byte limit`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > limits.maxBytes) throw new FeedFetchError(`${url}: more than the ${limits.maxBytes}-byte limit`);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof FeedFetchError) throw error;
    if (timeout.aborted) throw new FeedFetchError(`${url}: timed out after ${Math.round(limits.timeoutMs / 1000)} s`);
    throw new FeedFetchError(`${url}: ${causeOf(error)}`);
  }
  return Buffer.concat(chunks).toString("utf8");
}
