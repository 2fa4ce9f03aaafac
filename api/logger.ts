import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from '../domain/config';
import { databaseErrorMessage, summarizeDatabaseError } from '../store/pg-errors';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out before a line is written. Authorization headers carry the SCIM bearer token and the admin
 * password; bodies may carry webhook secrets or tokens. `*` matches one level, so the common nestings are listed.
 */
export const redactedLogPaths: readonly string[] = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'headers.cookie',
  'req.headers.cookie',
  'req.headers["x-alexis-signature"]',
  'headers["x-alexis-signature"]',
  'token',
  '*.token',
  '*.*.token',
  'accessToken',
  '*.accessToken',
  'secret',
  '*.secret',
  '*.*.secret',
  'clientSecret',
  '*.clientSecret',
  'password',
  '*.password',
  '*.*.password',
  'ADMIN_PASSWORD',
  '*.ADMIN_PASSWORD',
  'WEBHOOK_SECRET',
  '*.WEBHOOK_SECRET',
  'ENTRA_CLIENT_SECRET',
  '*.ENTRA_CLIENT_SECRET',
];

/** An error as a log line shows it. */
export interface LoggedError {
  type: string;
  message: string;
  /** The SQLSTATE of a database error, or a Node / library error code. */
  code?: string;
  table?: string;
  column?: string;
  constraint?: string;
  /** The stack's frames, without the message line (which may repeat data the message left out). */
  stack?: string;
  cause?: LoggedError;
}

/**
 * The `err` serializer of every Joiner logger. A database error becomes its SQLSTATE and the names of the table,
 * column and constraint: drizzle's message lists the statement's parameters and the driver's `detail` the row's
 * values (names, emails), which must never reach a log. Other errors keep type, message, code and stack; their
 * causes are serialized the same way (pino's default would append a cause's message, parameters and all).
 */
export function serializeError(err: unknown, depth = 0): LoggedError {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  const frames = err.stack
    ?.split('\n')
    .filter((line) => line.startsWith('    at '))
    .join('\n');
  const database = summarizeDatabaseError(err);
  if (database !== undefined) {
    return {
      type: 'DatabaseError',
      message: databaseErrorMessage(database),
      code: database.code,
      ...(database.table === undefined ? {} : { table: database.table }),
      ...(database.column === undefined ? {} : { column: database.column }),
      ...(database.constraint === undefined ? {} : { constraint: database.constraint }),
      ...(frames ? { stack: frames } : {}),
    };
  }
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: err.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(frames ? { stack: frames } : {}),
    ...(err.cause !== undefined && depth < 4 ? { cause: serializeError(err.cause, depth + 1) } : {}),
  };
}

/** The request being served, for the `requestId` on every line logged while serving it. */
const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `run` (a request's middleware chain) so that every line logged within it carries `requestId`. */
export function withRequestId<T>(requestId: string, run: () => T): T {
  return requestScope.run({ requestId }, run);
}

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
  /** A name shown on every line, e.g. `api` or `worker`. */
  name?: string;
}

/**
 * Builds the process logger: JSON lines, ISO timestamps, secrets redacted (see {@link redactedLogPaths}), errors
 * under `err` without data (see {@link serializeError}), `requestId` on lines written while serving a request.
 * Build it once at process start and pass it down; never import a logger singleton.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: [...redactedLogPaths], censor: '[redacted]' },
      serializers: { err: (err: unknown) => serializeError(err) },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Loggers are built once and passed down, so the request id comes from the async scope, not a child logger.
      mixin: () => requestScope.getStore() ?? {},
    },
    options.destination ?? pino.destination(1),
  );
}
