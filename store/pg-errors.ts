/** PostgreSQL SQLSTATE codes Joiner acts on. */
export const PgErrorCode = {
  UniqueViolation: '23505',
  ForeignKeyViolation: '23503',
  CheckViolation: '23514',
} as const;
export type PgErrorCode = (typeof PgErrorCode)[keyof typeof PgErrorCode];

/** `err` and its causes, five deep at most: drizzle wraps the driver's error in `err.cause`. */
function* causeChain(err: unknown): Generator<Record<string, unknown>> {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const fields = current as Record<string, unknown>;
    yield fields;
    current = fields.cause;
  }
}

/** The first error in `err`'s cause chain with that SQLSTATE. */
function findPgError(err: unknown, code: PgErrorCode): Record<string, unknown> | undefined {
  for (const fields of causeChain(err)) if (fields.code === code) return fields;
  return undefined;
}

/**
 * True when `err` (from node-postgres or PGlite, wrapped by drizzle or not) is a unique violation (23505), and, when
 * `constraint` is given, one of that unique index or constraint.
 */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const pgError = findPgError(err, PgErrorCode.UniqueViolation);
  if (pgError === undefined) return false;
  return constraint === undefined || pgError.constraint === constraint;
}

/** True when `err` is a foreign key violation (23503), e.g. a row of a company that does not exist. */
export function isForeignKeyViolation(err: unknown): boolean {
  return findPgError(err, PgErrorCode.ForeignKeyViolation) !== undefined;
}

/**
 * What may be said about a database error in a log line or a workflow failure: its SQLSTATE and the names of the
 * objects involved, never the statement's parameters, the row's values (`detail`) or the statement itself.
 */
export interface DatabaseErrorSummary {
  code: string;
  severity?: string;
  table?: string;
  column?: string;
  constraint?: string;
  /** The server function that raised it (e.g. `report_invalid_encoding`), which says what went wrong without data. */
  routine?: string;
}

const sqlState = /^[0-9A-Z]{5}$/;

function nameField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The database error in `err`'s cause chain (node-postgres or PGlite, wrapped by drizzle or not), reduced to what is
 * safe to log; undefined when the chain holds none. Drizzle's own wrapper (whose message lists the parameters) counts
 * as a database error even when its cause carries no SQLSTATE.
 */
export function summarizeDatabaseError(err: unknown): DatabaseErrorSummary | undefined {
  let wrapped = false;
  for (const fields of causeChain(err)) {
    if (typeof fields.code === 'string' && sqlState.test(fields.code) && 'severity' in fields) {
      const summary: DatabaseErrorSummary = { code: fields.code };
      for (const key of ['severity', 'table', 'column', 'constraint', 'routine'] as const) {
        const value = nameField(fields[key]);
        if (value !== undefined) summary[key] = value;
      }
      return summary;
    }
    if (fields.name === 'DrizzleQueryError' || ('query' in fields && 'params' in fields)) wrapped = true;
  }
  return wrapped ? { code: 'unknown' } : undefined;
}

/** A one-line description of a database error without data, e.g. `database error 23505 on employees (…_key)`. */
export function databaseErrorMessage(summary: DatabaseErrorSummary): string {
  const where = [summary.table, summary.column].filter((part) => part !== undefined).join('.');
  return (
    `database error ${summary.code}` +
    (where === '' ? '' : ` on ${where}`) +
    (summary.constraint === undefined ? '' : ` (${summary.constraint})`) +
    (summary.routine === undefined ? '' : ` in ${summary.routine}`)
  );
}

/**
 * The message of any error, fit to be stored or logged: a database error's becomes {@link databaseErrorMessage}
 * (drizzle's own lists the statement's parameters: names, emails), any other keeps its message.
 */
export function errorMessageWithoutData(err: unknown): string {
  const database = summarizeDatabaseError(err);
  if (database !== undefined) return databaseErrorMessage(database);
  return err instanceof Error ? err.message : String(err);
}
