/**
 * Small named JSON documents on PostgreSQL: the same contract as ../sqlite/settings.ts.
 */
import type { SettingsStore } from "../types.ts";
import type { PostgresAccess } from "./access.ts";

export function createPostgresSettingsStore(db: PostgresAccess): SettingsStore {
  const settings: SettingsStore = {
    async getSetting<T = unknown>(key: string): Promise<T | null> {
      const { rows } = await db.pool.query<{ value: string }>("SELECT value FROM settings WHERE key = $1", [key]);
      return rows[0] ? (JSON.parse(rows[0].value) as T) : null;
    },

    async putSetting(key: string, value: unknown): Promise<void> {
      await db.pool.query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", [
        key,
        JSON.stringify(value),
      ]);
    },

    async insertSettingIfAbsent<T = unknown>(key: string, value: T): Promise<T> {
      const inserted = await db.pool.query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [key, JSON.stringify(value)]);
      if (inserted.rowCount === 1) return value;
      // Lost the race (or the key existed): the committed row is the answer. Settings are never deleted.
      return (await settings.getSetting<T>(key))!;
    },
  };
  return settings;
}
