/**
 * An error whose status and message are meant for the client (a 4xx). Throw it from routes and middleware; the
 * error middleware answers with the status and this message. `code` is a short machine-readable reason and
 * `details` optional structured context (e.g. field-level problems) that is safe to show.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly expose: boolean;
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.expose = status < 500;
  }
}

/** The status and client-facing message of any thrown value: 4xx keep theirs, everything else is a generic 500. */
export function describeError(err: unknown): { status: number; message: string; expose: boolean } {
  const candidate = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown } | null;
  const raw = candidate?.status ?? candidate?.statusCode;
  const status = typeof raw === 'number' && Number.isInteger(raw) && raw >= 400 && raw <= 599 ? raw : 500;
  if (status < 500 && candidate?.expose !== false && typeof candidate?.message === 'string') {
    return { status, message: candidate.message, expose: true };
  }
  return { status, message: status < 500 ? 'bad request' : 'internal server error', expose: false };
}
