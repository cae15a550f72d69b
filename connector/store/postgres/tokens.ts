/**
 * API and enrollment tokens on PostgreSQL: the same contract as ../sqlite/tokens.ts. Only hashes
 * of the secrets are stored.
 */
import { timingSafeEqual } from "node:crypto";
import type { ApiToken, EnrollToken, TokenStore } from "../types.ts";
import type { PostgresAccess } from "./access.ts";
import { apiTokenFromRow, enrollTokenFromRow, type ApiTokenRow, type EnrollTokenRow } from "./rows.ts";

export function createPostgresTokenStore(db: PostgresAccess): TokenStore {
  return {
  async createApiToken(token: ApiToken, hash: string): Promise<void> {
    await db.pool.query("INSERT INTO api_tokens (id, name, scopes, hash, created_at, revoked_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6)", [
      token.id,
      token.name,
      JSON.stringify(token.scopes),
      hash,
      token.createdAt,
      token.revokedAt,
    ]);
  },

  async findApiTokenByHash(hash: string): Promise<ApiToken | null> {
    const { rows } = await db.pool.query<ApiTokenRow>(
      "SELECT id, name, scopes, hash, created_at, revoked_at FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL",
      [hash],
    );
    const row = rows[0] as (ApiTokenRow & { hash: string }) | undefined;
    // The index lookup already matched; the constant-time compare keeps the final decision free
    // of a data-dependent early exit whatever the database does.
    return row && sameDigest(row.hash, hash) ? apiTokenFromRow(row) : null;
  },

  async listApiTokens(): Promise<ApiToken[]> {
    const { rows } = await db.pool.query<ApiTokenRow>("SELECT id, name, scopes, created_at, revoked_at FROM api_tokens ORDER BY created_at, id");
    return rows.map(apiTokenFromRow);
  },

  async revokeApiToken(id: string, at: number): Promise<boolean> {
    const r = await db.pool.query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, at]);
    return r.rowCount === 1;
  },

  async createEnrollToken(token: EnrollToken, hash: string): Promise<void> {
    await db.pool.query(
      "INSERT INTO enroll_tokens (id, label, username, hash, created_at, expires_at, max_uses, uses, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      [token.id, token.label, token.username ?? null, hash, token.createdAt, token.expiresAt, token.maxUses, token.uses, token.revokedAt],
    );
  },

  async listEnrollTokens(): Promise<EnrollToken[]> {
    const { rows } = await db.pool.query<EnrollTokenRow>(
      "SELECT id, label, username, created_at, expires_at, max_uses, uses, revoked_at FROM enroll_tokens ORDER BY created_at, id",
    );
    return rows.map(enrollTokenFromRow);
  },

  async revokeEnrollToken(id: string, at: number): Promise<boolean> {
    const r = await db.pool.query("UPDATE enroll_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, at]);
    return r.rowCount === 1;
  },
  };
}

/** Equal-length hex digests compared without an early exit. */
function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
