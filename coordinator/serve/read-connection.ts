import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { InputError } from '../../shared/errors.js';
import { DASHBOARD_INDEXES_VERSION, SCHEMA_VERSION } from '../store/migrations.js';

/** The first schema with every table and index the pages read. */
const OLDEST_READABLE_SCHEMA = DASHBOARD_INDEXES_VERSION;

/**
 * A read-only connection for the dashboard. It never migrates (that would be a write): a database
 * from an older widthsweep is refused with the command that upgrades it, a newer one as the store
 * refuses it.
 */
export function openReadConnection(dbPath: string): Database.Database {
  if (!existsSync(dbPath)) throw new InputError(`no result database at ${dbPath}`);
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version < OLDEST_READABLE_SCHEMA || version > SCHEMA_VERSION) {
    db.close();
    throw new InputError(
      version < OLDEST_READABLE_SCHEMA
        ? `${dbPath} has schema version ${version}; run \`widthsweep status --db ${dbPath}\` once to upgrade it, then serve it`
        : `${dbPath} has schema version ${version}, newer than this widthsweep supports (${SCHEMA_VERSION}); upgrade widthsweep`,
    );
  }
  return db;
}
