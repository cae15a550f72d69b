/**
 * A real nginx (Debian's package) as the TLS reverse proxy in front of the auth server: it asks
 * every browser for an optional client certificate without judging it (`optional_no_ca`: trust
 * is Facet's to decide) and forwards it URL-escaped in `X-SSL-Client-Cert`, the way
 * docs/integrations/authentik.md tells an admin to set it up. It runs as a child process with its
 * own prefix, config, pid and logs in a temp dir, on 127.0.0.1 only, never as a system service.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import path from "node:path";
import { until } from "./until.ts";
import { unusedPort } from "./ports.ts";

export const NGINX = "/usr/sbin/nginx";

export interface NginxProxy {
  port: number;
  url: string;
  errorLog(): string;
  stop(): Promise<void>;
}

export interface NginxOptions {
  dir: string;
  serverCertPem: string;
  serverKeyPem: string;
  /** The auth server stand-in behind the proxy. */
  upstreamPort: number;
}

/** The server block an admin would write (docs/integrations/authentik.md), on a test port. */
export function proxyServerBlock(port: number, certFile: string, keyFile: string, upstreamPort: number): string {
  return `
  server {
    listen 127.0.0.1:${port} ssl;
    server_name 127.0.0.1;
    ssl_certificate ${certFile};
    ssl_certificate_key ${keyFile};
    ssl_verify_client optional_no_ca;
    location / {
      proxy_set_header X-SSL-Client-Cert $ssl_client_escaped_cert;
      proxy_set_header Host $host;
      proxy_pass http://127.0.0.1:${upstreamPort};
    }
  }`;
}

export async function startNginx(options: NginxOptions): Promise<NginxProxy> {
  const prefix = path.join(options.dir, "nginx");
  mkdirSync(path.join(prefix, "logs"), { recursive: true });
  const certFile = path.join(prefix, "server.pem");
  const keyFile = path.join(prefix, "server.key");
  writeFileSync(certFile, options.serverCertPem);
  writeFileSync(keyFile, options.serverKeyPem, { mode: 0o600 });
  const errorLog = path.join(prefix, "logs", "error.log");

  // nginx cannot listen on port 0 and say which it got; a port just freed by the OS is taken, and
  // a lost race (another process grabbed it) is retried with a new one.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await unusedPort();
    const conf = path.join(prefix, "nginx.conf");
    writeFileSync(conf, `
daemon off;
master_process on;
worker_processes 1;
pid ${path.join(prefix, "nginx.pid")};
error_log ${errorLog} info;
events { worker_connections 64; }
http {
  access_log ${path.join(prefix, "logs", "access.log")};
  client_body_temp_path ${path.join(prefix, "client_body")};
  proxy_temp_path ${path.join(prefix, "proxy")};
  fastcgi_temp_path ${path.join(prefix, "fastcgi")};
  uwsgi_temp_path ${path.join(prefix, "uwsgi")};
  scgi_temp_path ${path.join(prefix, "scgi")};
${proxyServerBlock(port, certFile, keyFile, options.upstreamPort)}
}
`);
    // -e: the error log before the config is read (the default /var/log/nginx may not be writable).
    const child = spawn(NGINX, ["-p", prefix, "-c", conf, "-e", errorLog], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const up = await Promise.race([until("nginx listening", () => listening(port), 20_000).then(() => true), exited.then(() => false)]);
    if (up) {
      return {
        port,
        url: `https://127.0.0.1:${port}`,
        errorLog: () => (existsSync(errorLog) ? readFileSync(errorLog, "utf8") : ""),
        stop: () => stopChild(child, exited),
      };
    }
    if (!/Address already in use/.test(stderr + (existsSync(errorLog) ? readFileSync(errorLog, "utf8") : ""))) throw new Error(`nginx did not start: ${stderr.trim()}`);
  }
  throw new Error("nginx: no free port after 5 attempts");
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // SIGQUIT: nginx's graceful shutdown; SIGKILL if it has not gone in 10 s.
  child.kill("SIGQUIT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}
