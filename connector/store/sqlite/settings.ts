/** Small named JSON documents. */
import type { Database } from "better-sqlite3";
import type { SettingsStore } from "../types.ts";

export function createSettingsStore(db: Database): SettingsStore {
  const get = db.prepare<[string], { value: string }>("SELECT value FROM settings WHERE key = ?");
  const put = db.prepare<[string, string]>(
    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
  );
  const insertIfAbsent = db.prepare<[string, string]>("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING");
  return {
    async getSetting<T = unknown>(key: string) {
      const row = get.get(key);
      return row ? (JSON.parse(row.value) as T) : null;
    },
    async putSetting(key, value) {
      put.run(key, JSON.stringify(value));
    },
    async insertSettingIfAbsent<T = unknown>(key: string, value: T) {
      // Another process on the same file may have inserted first; the row is whatever won.
      insertIfAbsent.run(key, JSON.stringify(value));
      return JSON.parse(get.get(key)!.value) as T;
    },
  };
}
