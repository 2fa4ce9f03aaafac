/**
 * The Graph `user` properties the sandbox knows: their types, max lengths, whether they are in the default property
 * set, how they can be filtered, and which application permission writes them.
 */

export const PropType = {
  string: 'Edm.String',
  boolean: 'Edm.Boolean',
  dateTimeOffset: 'Edm.DateTimeOffset',
  stringCollection: 'Collection(Edm.String)',
  passwordProfile: 'microsoft.graph.passwordProfile',
} as const;
export type PropType = (typeof PropType)[keyof typeof PropType];

/** `basic`: eq/in/startsWith (and ge/le where Graph allows) work without ConsistencyLevel; `advanced`: all need it. */
export const FilterSupport = { basic: 'basic', advanced: 'advanced', lambda: 'lambda' } as const;
export type FilterSupport = (typeof FilterSupport)[keyof typeof FilterSupport];

export interface UserProperty {
  type: PropType;
  maxLength?: number;
  /** In the default property set returned without `$select`. */
  defaultSet?: boolean;
  readOnly?: boolean;
  filter?: FilterSupport;
  /** ge/le on this string property work without ConsistencyLevel. */
  rangeBasic?: boolean;
  /** Application permissions any one of which allows writing this property (besides the generic write check). */
  writePermissions?: readonly string[];
}

export const Permission = {
  userReadAll: 'User.Read.All',
  userReadWriteAll: 'User.ReadWrite.All',
  directoryReadAll: 'Directory.Read.All',
  directoryReadWriteAll: 'Directory.ReadWrite.All',
  lifeCycleReadWrite: 'User-LifeCycleInfo.ReadWrite.All',
  lifeCycleRead: 'User-LifeCycleInfo.Read.All',
  enableDisable: 'User.EnableDisableAccount.All',
  revokeSessions: 'User.RevokeSessions.All',
  organizationReadAll: 'Organization.Read.All',
  organizationReadWriteAll: 'Organization.ReadWrite.All',
  domainReadAll: 'Domain.Read.All',
  domainReadWriteAll: 'Domain.ReadWrite.All',
} as const;

const userWrite = [Permission.userReadWriteAll, Permission.directoryReadWriteAll] as const;

/** Permissions that allow reading users. */
export const userReadPermissions = [
  Permission.userReadAll,
  Permission.userReadWriteAll,
  Permission.directoryReadAll,
  Permission.directoryReadWriteAll,
] as const;
/** Permissions that allow creating, updating and deleting users and their manager reference. */
export const userWritePermissions = userWrite;

const s = PropType.string;
export const userProperties: Record<string, UserProperty> = {
  id: { type: s, defaultSet: true, readOnly: true, filter: 'basic' },
  accountEnabled: {
    type: PropType.boolean,
    filter: 'basic',
    writePermissions: [Permission.enableDisable, ...userWrite],
  },
  businessPhones: { type: PropType.stringCollection, defaultSet: true },
  city: { type: s, maxLength: 128, filter: 'basic' },
  companyName: { type: s, maxLength: 64, filter: 'advanced' },
  country: { type: s, maxLength: 128, filter: 'basic' },
  createdDateTime: { type: PropType.dateTimeOffset, readOnly: true, filter: 'advanced' },
  department: { type: s, maxLength: 64, filter: 'basic' },
  displayName: { type: s, maxLength: 256, defaultSet: true, filter: 'basic' },
  employeeHireDate: {
    type: PropType.dateTimeOffset,
    filter: 'advanced',
    writePermissions: [Permission.lifeCycleReadWrite, ...userWrite],
  },
  employeeId: { type: s, maxLength: 16, filter: 'basic', rangeBasic: true },
  employeeLeaveDateTime: {
    type: PropType.dateTimeOffset,
    filter: 'advanced',
    writePermissions: [Permission.lifeCycleReadWrite],
  },
  employeeType: {
    type: s,
    maxLength: 64,
    filter: 'advanced',
    writePermissions: [Permission.lifeCycleReadWrite, ...userWrite],
  },
  givenName: { type: s, maxLength: 64, defaultSet: true, filter: 'basic' },
  jobTitle: { type: s, maxLength: 128, defaultSet: true, filter: 'basic' },
  mail: { type: s, maxLength: 256, defaultSet: true, filter: 'basic', rangeBasic: true },
  mailNickname: { type: s, maxLength: 64, filter: 'basic' },
  mobilePhone: { type: s, maxLength: 64, defaultSet: true, filter: 'basic' },
  officeLocation: { type: s, maxLength: 128, defaultSet: true, filter: 'advanced' },
  otherMails: { type: PropType.stringCollection, filter: 'lambda' },
  passwordProfile: { type: PropType.passwordProfile },
  postalCode: { type: s, maxLength: 40, filter: 'advanced' },
  preferredLanguage: { type: s, defaultSet: true, filter: 'basic' },
  proxyAddresses: { type: PropType.stringCollection, readOnly: true, filter: 'lambda' },
  signInSessionsValidFromDateTime: { type: PropType.dateTimeOffset, readOnly: true },
  state: { type: s, maxLength: 128, filter: 'basic' },
  streetAddress: { type: s, maxLength: 1024, filter: 'advanced' },
  surname: { type: s, maxLength: 64, defaultSet: true, filter: 'basic' },
  usageLocation: { type: s, filter: 'advanced' },
  userPrincipalName: { type: s, defaultSet: true, filter: 'basic', rangeBasic: true },
  userType: { type: s, readOnly: true, filter: 'basic' },
};

export const defaultPropertySet = Object.keys(userProperties).filter((p) => userProperties[p]!.defaultSet);

/** Case-insensitive lookup of a property name, as Graph's OData layer does for `$select` and `$filter`. */
export function canonicalProperty(name: string): string | undefined {
  if (userProperties[name]) return name;
  const lower = name.toLowerCase();
  return Object.keys(userProperties).find((p) => p.toLowerCase() === lower);
}
