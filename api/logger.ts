import pino from 'pino';
import type { Logger } from 'pino';
import type { LogLevel } from '../domain/config';

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

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a stream to read what was logged. */
  destination?: pino.DestinationStream;
  /** A name shown on every line, e.g. `api` or `worker`. */
  name?: string;
}

/**
 * Builds the process logger: JSON lines, ISO timestamps, secrets redacted (see {@link redactedLogPaths}).
 * Build it once at process start and pass it down; never import a logger singleton.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      ...(options.name === undefined ? {} : { name: options.name }),
      redact: { paths: [...redactedLogPaths], censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(1),
  );
}
