/**
 * The kinds of Entra failure Joiner acts on. The Entra client throws them (`EntraError` in entra/directory.ts), the
 * activities turn them into Temporal `ApplicationFailure` types of the same name, and the workflows decide on them.
 * Plain data, safe for workflow code.
 */
export const EntraErrorType = {
  /** 429 (or 503 with Retry-After): wait `retryAfterMs` and try again. */
  Throttled: 'EntraThrottled',
  /** 5xx, network failure, timeout: retry with backoff. */
  Transient: 'EntraTransient',
  /** 404: the object does not exist, or not yet (replication lag right after a create). */
  NotFound: 'EntraNotFound',
  /** An object with the same unique value exists (e.g. userPrincipalName, proxyAddresses). */
  Conflict: 'EntraConflict',
  /** 400: a value Graph refuses; `property` names it when Graph says. Not retried until the input changes. */
  InvalidValue: 'EntraInvalidValue',
  /** 403: the app lacks a permission; `permission` names it when known. Not retried until reconnect. */
  PermissionDenied: 'EntraPermissionDenied',
  /** No usable credentials for the tenant: not connected, consent revoked (AADSTS7000229), invalid_client. */
  NotConnected: 'EntraNotConnected',
} as const;
export type EntraErrorType = (typeof EntraErrorType)[keyof typeof EntraErrorType];

/**
 * Entra failures a retry cannot fix: the workflow records them (phase `blocked` or `waiting-for-connection`) and tries
 * again on the next change, on reconnect, or on a slow timer.
 */
export const nonRetryableEntraFailures = [
  EntraErrorType.InvalidValue,
  EntraErrorType.PermissionDenied,
  EntraErrorType.NotConnected,
  EntraErrorType.Conflict,
] as const satisfies readonly EntraErrorType[];
