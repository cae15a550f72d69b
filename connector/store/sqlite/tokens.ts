/**
 * API and enrollment tokens. Only SHA-256 hashes of the 256-bit random secrets are stored, so a
 * copy of the database file grants nothing.
 */
import { timingSafeEqual } from "node:crypto";
import type { Database } from "better-sqlite3";
import type { ApiToken, Scope, TokenStore } from "../types.ts";
import { enrollTokenFromRow, type EnrollTokenRow } from "../rows.ts";

interface ApiTokenRow {
  id: string;
  name: string;
  scopes: string;
  hash: string;
  created_at: number;
  revoked_at: number | null;
}

function apiTokenFromRow(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/** Equal-length hex digests compared without an early exit. */
function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createTokenStore(db: Database): TokenStore {
  const insertApi = db.prepare(
    "INSERT INTO api_tokens (id, name, scopes, hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const findApi = db.prepare<[string], ApiTokenRow>("SELECT * FROM api_tokens WHERE hash = ? AND revoked_at IS NULL");
  const listApi = db.prepare<[], ApiTokenRow>("SELECT * FROM api_tokens ORDER BY created_at, id");
  const revokeApi = db.prepare<[number, string]>("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  const insertEnroll = db.prepare(
    `INSERT INTO enroll_tokens (id, label, username, hash, created_at, expires_at, max_uses, uses, revoked_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const listEnroll = db.prepare<[], EnrollTokenRow>(
    "SELECT id, label, username, created_at, expires_at, max_uses, uses, revoked_at FROM enroll_tokens ORDER BY created_at, id",
  );
  const revokeEnroll = db.prepare<[number, string]>(
    "UPDATE enroll_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
  );

  return {
    async createApiToken(token, hash) {
      insertApi.run(token.id, token.name, JSON.stringify(token.scopes), hash, token.createdAt, token.revokedAt);
    },
    async findApiTokenByHash(hash) {
      const row = findApi.get(hash);
      // The index lookup already matched; comparing again in constant time keeps the final
      // decision free of a data-dependent early exit whatever the SQL engine does.
      return row && sameDigest(row.hash, hash) ? apiTokenFromRow(row) : null;
    },
    async listApiTokens() {
      return listApi.all().map(apiTokenFromRow);
    },
    async revokeApiToken(id, at) {
      return revokeApi.run(at, id).changes > 0;
    },
    async createEnrollToken(token, hash) {
      insertEnroll.run(token.id, token.label, token.username ?? null, hash, token.createdAt, token.expiresAt, token.maxUses, token.uses, token.revokedAt);
    },
    async listEnrollTokens() {
      return listEnroll.all().map(enrollTokenFromRow);
    },
    async revokeEnrollToken(id, at) {
      return revokeEnroll.run(at, id).changes > 0;
    },
  };
}
