/** One SQLite schema change: `up` runs once, in its own transaction (index.ts). */
import type { Database } from "better-sqlite3";

export interface Migration {
  /** The number in the file name, shared with the PostgreSQL migrations (one numbering for both). */
  version: number;
  name: string;
  up(db: Database): void;
}
