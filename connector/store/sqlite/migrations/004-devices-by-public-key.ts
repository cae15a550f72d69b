import type { Migration } from "./migration.ts";

export const migration: Migration = {
  version: 4,
  name: "devices by public key",
  up(db) {
    // Enrollment looks the key up in every enroll transaction (key_in_use / key_revoked). Not
    // unique: a database enrolled before that check existed may hold a key live and revoked.
    db.exec("CREATE INDEX devices_public_key ON devices(public_key);");
  },
};
