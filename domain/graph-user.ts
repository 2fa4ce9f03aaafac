/**
 * The Graph user properties Joiner manages: the one list of them (the mapping, the diff, the Entra client's `$select`
 * and the lifecycle's record of what was written all derive from it). Plain data, safe for workflow code.
 */

/** Properties that can be cleared with `null`. */
export const CLEARABLE_GRAPH_PROPERTIES = [
  'givenName',
  'surname',
  'streetAddress',
  'postalCode',
  'city',
  'country',
  'jobTitle',
  'companyName',
  'officeLocation',
  'department',
  'employeeHireDate',
  'employeeLeaveDateTime',
] as const;
export type ClearableGraphProperty = (typeof CLEARABLE_GRAPH_PROPERTIES)[number];

/** Properties Graph never lets us clear: an absent value keeps the last one written. */
export const UNCLEARABLE_GRAPH_PROPERTIES = ['displayName', 'mailNickname', 'mail'] as const;
export type UnclearableGraphProperty = (typeof UNCLEARABLE_GRAPH_PROPERTIES)[number];

/**
 * Graph user properties Joiner writes. In a desired state every clearable property is present (a value or `null`);
 * unclearable ones are omitted when HR has no value for them. In a patch, only changed properties are present.
 */
export type GraphUserProperties = { [K in ClearableGraphProperty]?: string | null } & {
  [K in UnclearableGraphProperty]?: string;
} & {
  /** One work phone, or `[]` to clear. */
  businessPhones?: string[];
};

/**
 * The lifecycle dates: Graph guards them with User-LifeCycleInfo permissions of their own, so a write of them can be
 * refused while the rest of the profile is accepted.
 */
export const LIFECYCLE_DATE_PROPERTIES = ['employeeHireDate', 'employeeLeaveDateTime'] as const;
export type LifecycleDateProperty = (typeof LIFECYCLE_DATE_PROPERTIES)[number];

/** Every property name Joiner manages, in the order Graph documents them. */
export const MANAGED_GRAPH_PROPERTIES = [
  ...CLEARABLE_GRAPH_PROPERTIES,
  ...UNCLEARABLE_GRAPH_PROPERTIES,
  'businessPhones',
] as const;
export type ManagedGraphProperty = (typeof MANAGED_GRAPH_PROPERTIES)[number];

/**
 * Graph's documented maximum lengths of the string properties Joiner writes. HR values are already limited to these
 * by the HR schema; the mapping truncates anything longer and reports it (see `graph-mapping.ts`).
 */
export const GRAPH_MAX_LENGTH: Readonly<Record<Exclude<ManagedGraphProperty, 'businessPhones'>, number>> = {
  givenName: 64,
  surname: 64,
  displayName: 256,
  mailNickname: 64,
  mail: 256,
  streetAddress: 1024,
  postalCode: 40,
  city: 128,
  country: 128,
  jobTitle: 128,
  companyName: 64,
  officeLocation: 128,
  department: 64,
  employeeHireDate: 64,
  employeeLeaveDateTime: 64,
};

/** Graph's limit for one businessPhones entry. */
export const BUSINESS_PHONE_MAX_LENGTH = 64;

/** What Joiner last wrote to an employee's Entra user. The next write is the diff between this and the desired state. */
export interface PushedEntraState {
  /** The userPrincipalName the user was created with (or linked by); Joiner never changes it. */
  userPrincipalName: string;
  fields: GraphUserProperties;
  /** Entra object id of the manager set with `PUT …/manager/$ref`, null when none was set by Joiner. */
  managerEntraObjectId: string | null;
  /** The HR id (`reportsTo`) that `managerEntraObjectId` was resolved from. */
  managerEmployeeId: string | null;
  /** The account was disabled by the `disableAccountAtLeave` policy (and is re-enabled if offboarding is undone). */
  accountDisabledByPolicy: boolean;
  /** The leave moment (UTC ISO) for which sessions were revoked, so a revoke happens once per offboarding. */
  sessionsRevokedForLeave: string | null;
}
