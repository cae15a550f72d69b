/** Creating tokens: a fresh secret, its hash stored, the secret returned once. */
import type { ApiToken, EnrollToken, Scope, TokenStore } from "../store/types.ts";
import { hashSecret, newSecret, newTokenId } from "./secrets.ts";

export async function issueApiToken(
  store: Pick<TokenStore, "createApiToken">,
  spec: { name: string; scopes: Scope[] },
  now: number,
): Promise<{ token: ApiToken; secret: string }> {
  const secret = newSecret("api");
  const token: ApiToken = { id: newTokenId(), name: spec.name, scopes: [...new Set(spec.scopes)], createdAt: now, revokedAt: null };
  await store.createApiToken(token, hashSecret(secret));
  return { token, secret };
}

export async function issueEnrollToken(
  store: Pick<TokenStore, "createEnrollToken">,
  spec: { label?: string | null; maxUses?: number | null; expiresAt?: number | null; username?: string | null },
  now: number,
): Promise<{ token: EnrollToken; secret: string }> {
  const secret = newSecret("enroll");
  const token: EnrollToken = {
    id: newTokenId(),
    label: spec.label ?? null,
    username: spec.username ?? null,
    createdAt: now,
    expiresAt: spec.expiresAt ?? null,
    maxUses: spec.maxUses ?? null,
    uses: 0,
    revokedAt: null,
  };
  await store.createEnrollToken(token, hashSecret(secret));
  return { token, secret };
}
