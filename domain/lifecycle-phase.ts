/** Where an employee stands in the HR → Entra lifecycle. Shown in the console and indexed as `LifecyclePhase`. */
export const LifecyclePhase = {
  /** No HR snapshot yet, or work email / first name / last name missing: nothing can be created. */
  WaitingForData: 'waiting-for-data',
  /** The work email's domain is not a verified domain of the connected tenant. */
  WaitingForDomain: 'waiting-for-domain',
  /** The company has no Entra connection (never connected, or removed): Graph work is paused. */
  WaitingForConnection: 'waiting-for-connection',
  /** Creation waits for a durable timer (`provisionLeadDays` before the hire date). */
  Scheduled: 'scheduled',
  /** The Entra user is being created or linked. */
  Provisioning: 'provisioning',
  /** The Entra user exists and matches the HR record. */
  Active: 'active',
  /** Graph refused a value or a permission is missing; retried on the next change, on reconnect, or on a slow timer. */
  Blocked: 'blocked',
  /** A leave date is set and lies in the future. */
  Offboarding: 'offboarding',
  /** The leave moment has passed. */
  Left: 'left',
  /** The employee was deleted in HR (or the Entra user deleted by policy): the workflow has ended. */
  Deleted: 'deleted',
} as const;
export type LifecyclePhase = (typeof LifecyclePhase)[keyof typeof LifecyclePhase];
