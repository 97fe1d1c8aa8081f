import { randomUUID } from "node:crypto";
import { type Kysely, type Migration, Migrator, sql } from "kysely";
import type { Logger } from "../log.js";
import type { Db } from "./db.js";
import type { Dialect } from "./dialect.js";
import { initial } from "./migrations/0001_initial.js";
import { entryDigests } from "./migrations/0002_entry_digests.js";
import { instances } from "./migrations/0003_instances.js";
import { articles } from "./migrations/0004_articles.js";
import { filters } from "./migrations/0005_filters.js";
import { search } from "./migrations/0006_search.js";
import { layout } from "./migrations/0007_layout.js";
import { corrections } from "./migrations/0008_corrections.js";
import { digestRows } from "./migrations/0009_digest_rows.js";
import { bulletins } from "./migrations/0010_bulletins.js";
import { feedKeys } from "./migrations/0011_feed_keys.js";
import { feedHealth } from "./migrations/0012_feed_health.js";
import { opmlImports } from "./migrations/0013_opml_imports.js";
import { pollSchedule } from "./migrations/0014_poll_schedule.js";
import { websub } from "./migrations/0015_websub.js";
import { feedMoves } from "./migrations/0016_feed_moves.js";
import type { Database } from "./schema.js";

/** This release's migrations, in order. Only add: never edit or drop one that has shipped. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    "0001_initial": initial(dialect),
    "0002_entry_digests": entryDigests(),
    "0003_instances": instances(),
    "0004_articles": articles(),
    "0005_filters": filters(),
    "0006_search": search(dialect),
    "0007_layout": layout(),
    "0008_corrections": corrections(),
    "0009_digest_rows": digestRows(),
    "0010_bulletins": bulletins(),
    "0011_feed_keys": feedKeys(),
    "0012_feed_health": feedHealth(),
    "0013_opml_imports": opmlImports(),
    "0014_poll_schedule": pollSchedule(),
    "0015_websub": websub(),
    "0016_feed_moves": feedMoves(),
  };
}

const SQLITE_LOCK_STALE_MS = 60_000;

/**
 * Brings the schema up to this release, exactly once even when several instances start
 * together: on PostgreSQL Kysely's migrator holds an advisory lock; on SQLite (several
 * processes on one file) a lock row does the same. A schema newer than this release (a
 * newer instance of a rolling deploy migrated first) is used as it is: releases only add, so
 * the old code still reads it.
 */
export async function migrate(db: Db, log: Logger, timeoutMs = 60_000): Promise<string[]> {
  const mlog = log.child({ step: "migrate" });
  const known = migrations(db.dialect);
  const deadline = Date.now() + timeoutMs;
  const release = db.dialect === "sqlite" ? await sqliteLock(db.kysely, deadline) : undefined;
  try {
    for (let attempt = 1; ; attempt++) {
      const executed = await executedNames(db.kysely);
      const newer = executed.filter((name) => !(name in known));
      if (newer.length) mlog.info({ newer }, "the schema is newer than this release; using it as it is");
      // Migrations a newer release ran are already applied: stand-ins keep Kysely from
      // calling the schema corrupted.
      const provider = {
        getMigrations: async () => ({
          ...known,
          ...Object.fromEntries(newer.map((name) => [name, { up: async () => undefined }])),
        }),
      };
      const { error, results } = await new Migrator({
        db: db.kysely,
        provider,
        // Migrations are independent of one another (each adds its own table or columns): one
        // that landed on main after a later-numbered one still applies to a database that has
        // the later one.
        allowUnorderedMigrations: true,
      }).migrateToLatest();
      if (!error) {
        const applied = (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
        if (applied.length) mlog.info({ applied }, "schema migrated");
        return applied;
      }
      const message = (error as Error).message ?? String(error);
      // Another instance migrated between our read and the migrator's: read again.
      const retry = /corrupted migrations|SQLITE_BUSY|database is locked|could not obtain lock/i.test(
        message,
      );
      if (!retry || attempt >= 5 || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  } finally {
    await release?.();
  }
}

async function executedNames(db: Kysely<Database>): Promise<string[]> {
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    return rows.rows.map((r) => r.name);
  } catch {
    return []; // no migration table yet
  }
}

/** A lock row with an owner and a time, so a process killed while migrating cannot block forever. */
async function sqliteLock(db: Kysely<Database>, deadline: number): Promise<() => Promise<void>> {
  const owner = randomUUID();
  await sql`create table if not exists bantin_migration_lock (id integer primary key, owner text not null, locked_at integer not null)`.execute(
    db,
  );
  for (;;) {
    const now = Date.now();
    const res =
      await sql`insert into bantin_migration_lock (id, owner, locked_at) values (1, ${owner}, ${now})
      on conflict (id) do update set owner = excluded.owner, locked_at = excluded.locked_at
      where bantin_migration_lock.locked_at < ${now - SQLITE_LOCK_STALE_MS}`.execute(db);
    if (Number(res.numAffectedRows ?? 0) > 0) break;
    if (now > deadline) throw new Error("timed out waiting for another process's migration");
    await new Promise((r) => setTimeout(r, 50));
  }
  return async () => {
    await sql`delete from bantin_migration_lock where owner = ${owner}`.execute(db);
  };
}
