/**
 * One JSON POST over node:http(s). Node's global fetch cannot take a custom CA per request without
 * undici's dispatcher, and the agent must trust a private CA for its connector; node:https can.
 * The response body is bounded because it comes from the network.
 */
import http from "node:http";
import https from "node:https";

export interface PostJsonOptions {
  ca?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export interface JsonResponse {
  status: number;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
  text: string;
}

export function postJson(url: URL, payload: unknown, options: PostJsonOptions = {}): Promise<JsonResponse> {
  const data = Buffer.from(JSON.stringify(payload), "utf8");
  const maxBytes = options.maxResponseBytes ?? 64 * 1024;
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(data.length), accept: "application/json" },
        timeout: options.timeoutMs ?? 15_000,
        ...(options.ca !== undefined && url.protocol === "https:" ? { ca: options.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            req.destroy(new Error(`response from ${url.origin} exceeds ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let body: unknown;
          try {
            body = text === "" ? undefined : JSON.parse(text);
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body, text });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url.origin} within ${options.timeoutMs ?? 15_000} ms`)));
    req.on("error", reject);
    req.end(data);
  });
}
