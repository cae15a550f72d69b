/** One PostgreSQL schema change: `sql` runs once, in its own transaction (index.ts). */
export interface Migration {
  /** The number in the file name, shared with the SQLite migrations (one numbering for both). */
  version: number;
  name: string;
  sql: string;
}
