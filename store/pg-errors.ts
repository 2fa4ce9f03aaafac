/** PostgreSQL SQLSTATE codes Joiner acts on. */
export const PgErrorCode = {
  UniqueViolation: '23505',
  ForeignKeyViolation: '23503',
  CheckViolation: '23514',
} as const;
export type PgErrorCode = (typeof PgErrorCode)[keyof typeof PgErrorCode];

interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
  cause?: unknown;
}

/** Finds the database error in an error chain: drizzle wraps the driver's error in `err.cause`. */
function findPgError(err: unknown, code: PgErrorCode): PgErrorFields | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const fields = current as PgErrorFields;
    if (fields.code === code) return fields;
    current = fields.cause;
  }
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
