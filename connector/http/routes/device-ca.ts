/**
 * `GET /v1/device-ca`: the device CA certificate, PEM. Without authentication: it is a public
 * certificate, and whoever sets up the reverse proxy (nginx `ssl_client_certificate`, Traefik
 * `clientAuth.caFiles`, Envoy `trusted_ca`) or the auth server needs it before holding any token.
 * It reveals nothing an observer of one TLS handshake with a device certificate would not see.
 */
import type { Hono } from "hono";
import { DEVICE_CA_PATH } from "../../api/service.ts";
import type { AuthVariables } from "../middleware/auth.ts";
import type { HttpDeps } from "../deps.ts";

export { DEVICE_CA_PATH };

export function mountDeviceCa(app: Hono<{ Variables: AuthVariables }>, deps: Pick<HttpDeps, "deviceCa">): void {
  app.get(DEVICE_CA_PATH, (c) =>
    c.body(deps.deviceCa.certificatePem, 200, {
      "Content-Type": "application/x-pem-file",
      "Content-Disposition": 'inline; filename="facet-device-ca.pem"',
      "Cache-Control": "public, max-age=300",
    }),
  );
}
