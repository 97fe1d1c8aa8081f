import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { KeyvStoreAdapter, StoredData } from "keyv";

/**
 * A Keyv storage adapter on better-sqlite3.
 *
 * Why not @keyv/sqlite: it has no `setMany`, so Keyv writes a poll's items one autocommit
 * statement (one fsync) each, and it keeps no expiry column, so entries whose TTL has passed
 * stay on disk until someone reads them again, which a "seen" id never is. Here `setMany`
 * is one transaction and `purgeExpired` deletes by an indexed `expires` column.
 */
export class SqliteDatabase {
  readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS keyv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER);
       CREATE INDEX IF NOT EXISTS keyv_expires ON keyv(expires) WHERE expires IS NOT NULL;`,
    );
  }

  /** Deletes entries whose TTL has passed; returns how many. */
  purgeExpired(now = Date.now()): number {
    return this.db.prepare("DELETE FROM keyv WHERE expires IS NOT NULL AND expires <= ?").run(now).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export class KeyvBetterSqlite extends EventEmitter implements KeyvStoreAdapter {
  opts: { dialect: "sqlite" };
  namespace?: string | undefined;
  private readonly stmts;

  constructor(private readonly database: SqliteDatabase) {
    super();
    this.opts = { dialect: "sqlite" };
    const db = database.db;
    this.stmts = {
      get: db.prepare<[string, number], { value: string }>(
        "SELECT value FROM keyv WHERE key = ? AND (expires IS NULL OR expires > ?)",
      ),
      set: db.prepare<[string, string, number | null]>(
        `INSERT INTO keyv (key, value, expires) VALUES (?, ?, ?)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires`,
      ),
      delete: db.prepare<[string]>("DELETE FROM keyv WHERE key = ?"),
      clear: db.prepare<[string]>("DELETE FROM keyv WHERE key LIKE ? ESCAPE '\\'"),
      page: db.prepare<[string, string, number], { key: string; value: string }>(
        "SELECT key, value FROM keyv WHERE key LIKE ? ESCAPE '\\' AND key > ? AND (expires IS NULL OR expires > ?) ORDER BY key LIMIT 200",
      ),
    };
  }

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    return this.stmts.get.get(key, Date.now())?.value as StoredData<Value> | undefined;
  }

  async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const now = Date.now();
    return keys.map((k) => this.stmts.get.get(k, now)?.value as StoredData<Value | undefined>);
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    this.stmts.set.run(key, String(value), expiresAt(ttl));
  }

  async setMany(values: Array<{ key: string; value: unknown; ttl?: number }>): Promise<void> {
    this.database.db.transaction(() => {
      for (const { key, value, ttl } of values) this.stmts.set.run(key, String(value), expiresAt(ttl));
    })();
  }

  async delete(key: string): Promise<boolean> {
    return this.stmts.delete.run(key).changes > 0;
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    let changed = 0;
    this.database.db.transaction(() => {
      for (const k of keys) changed += this.stmts.delete.run(k).changes;
    })();
    return changed > 0;
  }

  async clear(): Promise<void> {
    this.stmts.clear.run(this.namespace ? `${escapeLike(this.namespace)}:%` : "%");
  }

  async *iterator<Value>(
    namespace?: string,
  ): AsyncGenerator<Array<string | Awaited<Value> | undefined>, void> {
    const pattern = namespace ? `${escapeLike(namespace)}:%` : "%";
    let after = "";
    for (;;) {
      const rows = this.stmts.page.all(pattern, after, Date.now());
      if (rows.length === 0) return;
      for (const row of rows) yield [row.key, row.value as Awaited<Value>];
      after = rows[rows.length - 1]?.key ?? after;
    }
  }

  async disconnect(): Promise<void> {
    // The shared SqliteDatabase is closed once by the store, not by each namespace.
  }
}

function expiresAt(ttl: number | undefined): number | null {
  return typeof ttl === "number" && ttl > 0 ? Date.now() + ttl : null;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
