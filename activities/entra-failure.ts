import { ApplicationFailure, activityInfo } from '@temporalio/activity';
import { EntraError } from '../entra/directory';
import { EntraErrorType } from '../domain/entra-errors';

/**
 * A 404 on an object Joiner just created is replication lag (docs/entra.md): retry it for about two minutes
 * of backoff, then report it as final so the workflow can record that the user is gone.
 */
export const notFoundRetryAttempts = 8;

/** Details attached to a non-retryable failure so the workflow can name the property or permission. */
export interface EntraFailureDetails {
  status?: number;
  property?: string;
  permission?: string;
  code?: string;
}

/**
 * Turns an error from an {@link EntraDirectory} call into the Temporal failure the retry policy acts on:
 * throttled → retryable with `nextRetryDelay` = Retry-After; transient → retryable with the policy's backoff;
 * not found → retryable for {@link notFoundRetryAttempts} attempts; refused value, missing permission, conflict and
 * missing connection → non-retryable, with the property or permission in the details. Anything else is rethrown.
 */
export function toEntraFailure(err: unknown, attempt = currentAttempt()): unknown {
  if (!(err instanceof EntraError)) return err;
  const details: EntraFailureDetails = {
    status: err.details.status,
    property: err.details.property,
    permission: err.details.permission,
    code: err.details.code,
  };
  switch (err.type) {
    case EntraErrorType.Throttled:
      return ApplicationFailure.create({
        message: err.message,
        type: err.type,
        details: [details],
        nextRetryDelay: err.details.retryAfterMs,
      });
    case EntraErrorType.Transient:
      return ApplicationFailure.retryable(err.message, err.type, details);
    case EntraErrorType.NotFound:
      return attempt < notFoundRetryAttempts
        ? ApplicationFailure.retryable(err.message, err.type, details)
        : ApplicationFailure.nonRetryable(err.message, err.type, details);
    case EntraErrorType.Conflict:
    case EntraErrorType.InvalidValue:
    case EntraErrorType.PermissionDenied:
    case EntraErrorType.NotConnected:
      return ApplicationFailure.nonRetryable(err.message, err.type, details);
  }
}

function currentAttempt(): number {
  try {
    return activityInfo().attempt;
  } catch {
    // Outside an activity (a direct call in a script): treat as the first attempt.
    return 1;
  }
}
