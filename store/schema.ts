/**
 * Joiner's relational schema (PostgreSQL 15 subset, the same on PostgreSQL and on embedded PGlite).
 * Change it here, then run `npm run db:generate` and commit the SQL that drizzle-kit writes to `store/migrations/`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { PushedEntraState } from '../domain/graph-user';
import type { HrEmployee, HrEventType } from '../domain/hr-employee';
import type { CompanyPolicies } from '../domain/policies';
import type { UserPhoneNumber } from '../domain/scim/user';

/** A timestamp with time zone, read and written as a JS `Date`. */
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => at('created_at').notNull().defaultNow();
const updatedAt = () => at('updated_at').notNull().defaultNow();

/** Whether a company's Microsoft Entra tenant is connected (admin consent given, not removed). */
export const EntraConnectionStatus = { Connected: 'connected', Disconnected: 'disconnected' } as const;
export type EntraConnectionStatus = (typeof EntraConnectionStatus)[keyof typeof EntraConnectionStatus];

/** What happened to an HR webhook event: applied (and queued for Temporal), or older than the stored snapshot. */
export const HrEventOutcome = { Accepted: 'accepted', Stale: 'stale' } as const;
export type HrEventOutcome = (typeof HrEventOutcome)[keyof typeof HrEventOutcome];

/** Tenants of Joiner: one HR system and one Entra tenant each. The default company has id `default`. */
export const companies = pgTable(
  'companies',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    policies: jsonb('policies').$type<CompanyPolicies>().notNull(),
    /**
     * HMAC secret of this company's HR webhooks; null for the default company, whose secret is env WEBHOOK_SECRET.
     * Kept in clear text because verifying an HMAC needs the secret itself.
     */
    webhookSecret: text('webhook_secret'),
    entraTenantId: text('entra_tenant_id'),
    entraStatus: text('entra_status').$type<EntraConnectionStatus>().notNull().default('disconnected'),
    entraConnectedAt: at('entra_connected_at'),
    entraDisconnectedAt: at('entra_disconnected_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    check('companies_entra_status_check', sql`${t.entraStatus} in ('connected', 'disconnected')`),
    check(
      'companies_connected_has_tenant_check',
      sql`${t.entraStatus} = 'disconnected' or ${t.entraTenantId} is not null`,
    ),
  ],
);

/** The latest HR snapshot of each employee (the desired state) and what the lifecycle last did with it. */
export const employees = pgTable(
  'employees',
  {
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    id: text('id').notNull(),
    snapshot: jsonb('snapshot').$type<HrEmployee>().notNull(),
    version: bigint('version', { mode: 'number' }).notNull(),
    /** Copy of `snapshot.workEmail`, a column so that lookups by email can use an index. */
    workEmail: text('work_email'),
    entraObjectId: text('entra_object_id'),
    /** What the lifecycle last wrote to the Entra user, so the next change patches only what differs. */
    pushedEntraState: jsonb('pushed_graph_state').$type<PushedEntraState>(),
    /** The lifecycle phase shown in the console (e.g. `waiting`, `provisioned`, `blocked`). */
    phase: text('phase'),
    lastError: text('last_error'),
    /**
     * The HR version the employee's workflow last reconciled. Behind `version` (or null) means Temporal has not
     * caught up with HR: the anti-entropy resync re-drives such employees.
     */
    reconciledVersion: bigint('reconciled_version', { mode: 'number' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ name: 'employees_pkey', columns: [t.companyId, t.id] }),
    // Employees Temporal has not caught up with: usually none, so the anti-entropy check reads almost nothing.
    index('employees_company_unreconciled_idx')
      .on(t.companyId, t.id)
      .where(sql`${t.reconciledVersion} is null or ${t.reconciledVersion} < ${t.version}`),
    index('employees_company_work_email_idx').on(t.companyId, sql`lower(${t.workEmail})`),
    // The console's and the CLI's employee list filtered by phase, paged by id (keyset).
    index('employees_company_phase_id_idx').on(t.companyId, t.phase, t.id),
    // One Entra user belongs to at most one employee of a company: a second link is a data problem to surface.
    uniqueIndex('employees_company_entra_object_id_key')
      .on(t.companyId, t.entraObjectId)
      .where(sql`${t.entraObjectId} is not null`),
  ],
);

/**
 * Every HR webhook event received: the dedupe record (event id unique per company) and, for accepted events not yet
 * handed to Temporal, the outbox (`delivered_at is null`).
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    eventId: text('event_id').notNull(),
    type: text('type').$type<HrEventType>().notNull(),
    occurredAt: at('occurred_at').notNull(),
    employeeId: text('employee_id').notNull(),
    employeeVersion: bigint('employee_version', { mode: 'number' }).notNull(),
    /** The snapshot the event carried, whether or not it was applied (what HR sent, for support and redelivery). */
    snapshot: jsonb('snapshot').$type<HrEmployee>().notNull(),
    receivedAt: at('received_at').notNull().defaultNow(),
    outcome: text('outcome').$type<HrEventOutcome>().notNull(),
    deliveredAt: at('delivered_at'),
    deliveryAttempts: integer('delivery_attempts').notNull().default(0),
    lastAttemptAt: at('last_attempt_at'),
    lastDeliveryError: text('last_delivery_error'),
  },
  (t) => [
    uniqueIndex('webhook_events_company_event_id_key').on(t.companyId, t.eventId),
    index('webhook_events_company_employee_idx').on(t.companyId, t.employeeId),
    index('webhook_events_undelivered_idx')
      .on(t.id)
      .where(sql`${t.outcome} = 'accepted' and ${t.deliveredAt} is null`),
    check('webhook_events_outcome_check', sql`${t.outcome} in ('accepted', 'stale')`),
  ],
);

/** Bearer tokens for the SCIM endpoint, made on the Access tokens page. Only a SHA-256 hash of the secret is kept. */
export const accessTokens = pgTable(
  'access_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    name: text('name').notNull(),
    description: text('description'),
    /** Lower-case hex SHA-256 of the whole token. */
    tokenHash: text('token_hash').notNull(),
    /** The first characters of the token, not secret, so an administrator can tell tokens apart. */
    displayPrefix: text('display_prefix').notNull(),
    createdAt: createdAt(),
    lastUsedAt: at('last_used_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [
    uniqueIndex('access_tokens_token_hash_key').on(t.tokenHash),
    index('access_tokens_company_idx').on(t.companyId, t.createdAt),
  ],
);

/** SCIM users written by Entra's provisioning service (docs/scim.md); `resource` is the whole SCIM resource. */
export const scimUsers = pgTable(
  'scim_users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    userName: text('user_name').notNull(),
    externalId: text('external_id'),
    active: boolean('active').notNull().default(true),
    displayName: text('display_name'),
    /** The `emails[type eq "work"].value` of the resource, a column so that filters on it can use an index. */
    workEmail: text('work_email'),
    resource: jsonb('resource').$type<Record<string, unknown>>().notNull(),
    /**
     * The resource's phone numbers as HR-side code reads them: type and E.164 form (null where the number as sent
     * cannot be parsed), derived on every write with the company's default country. The numbers as sent stay in
     * `resource`, untouched.
     */
    phoneNumbersE164: jsonb('phone_numbers_e164')
      .$type<UserPhoneNumber[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    /** True when a phone number of the resource cannot be parsed: the account is flagged for an administrator. */
    phoneNumbersUnparsable: boolean('phone_numbers_unparsable').notNull().default(false),
    employeeId: text('employee_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** Rises with every change; the ETag is `W/"<version>"`. */
    version: integer('version').notNull().default(1),
    /**
     * Set when Entra deleted the user and the company keeps deleted accounts for a while (its policy
     * `scimDeletedUserRetentionDays`): the SCIM endpoint no longer sees the row, the account workflow purges it.
     */
    deletedAt: at('deleted_at'),
  },
  (t) => [
    // SCIM userName is unique among live users and compared case-insensitively (RFC 7643 §4.1.1).
    uniqueIndex('scim_users_company_user_name_key')
      .on(t.companyId, sql`lower(${t.userName})`)
      .where(sql`${t.deletedAt} is null`),
    index('scim_users_company_external_id_idx').on(t.companyId, t.externalId),
    // Entra queries externalId in whatever case it holds it; the SCIM filter compares it case-insensitively.
    index('scim_users_company_external_id_lower_idx').on(t.companyId, sql`lower(${t.externalId})`),
    index('scim_users_company_work_email_idx').on(t.companyId, sql`lower(${t.workEmail})`),
    index('scim_users_company_display_name_idx').on(t.companyId, sql`lower(${t.displayName})`),
    index('scim_users_company_employee_idx').on(t.companyId, t.employeeId),
    index('scim_users_company_unparsable_phone_idx')
      .on(t.companyId)
      .where(sql`${t.phoneNumbersUnparsable}`),
  ],
);

/** Which workflow signal an `account_signals` row carries. */
export const AccountSignalKind = { AccountChanged: 'accountChanged', EntraObjectLinked: 'entraObjectLinked' } as const;
export type AccountSignalKind = (typeof AccountSignalKind)[keyof typeof AccountSignalKind];

/**
 * The outbox of the SCIM user writes: each signal a write owes the workflows (`accountChanged` to the account's
 * workflow, `entraObjectLinked` to the employee's), committed in the write's own transaction and removed once
 * Temporal has it (orchestration/account-events.ts). Usually nearly empty: only a Temporal outage leaves rows.
 */
export const accountSignals = pgTable(
  'account_signals',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    kind: text('kind').$type<AccountSignalKind>().notNull(),
    /** The SCIM user the write was of; no foreign key: a hard delete removes the user, its signal must stay. */
    scimUserId: uuid('scim_user_id').notNull(),
    /** The employee whose workflow an `entraObjectLinked` goes to; null for `accountChanged`. */
    employeeId: text('employee_id'),
    /** The signal's argument as orchestration built it (the account as stored, dated when it was written). */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    deliveryAttempts: integer('delivery_attempts').notNull().default(0),
    lastAttemptAt: at('last_attempt_at'),
    lastDeliveryError: text('last_delivery_error'),
  },
  (t) => [
    check('account_signals_kind_check', sql`${t.kind} in ('accountChanged', 'entraObjectLinked')`),
    check('account_signals_employee_check', sql`(${t.kind} = 'entraObjectLinked') = (${t.employeeId} is not null)`),
  ],
);

/** SCIM groups written by Entra's provisioning service. */
export const scimGroups = pgTable(
  'scim_groups',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    companyId: text('company_id')
      .notNull()
      .references(() => companies.id),
    displayName: text('display_name').notNull(),
    externalId: text('external_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** Rises with every change; the ETag is `W/"<version>"`. */
    version: integer('version').notNull().default(1),
  },
  (t) => [
    uniqueIndex('scim_groups_company_display_name_key').on(t.companyId, sql`lower(${t.displayName})`),
    index('scim_groups_company_external_id_idx').on(t.companyId, t.externalId),
  ],
);

/** Members of SCIM groups; deleting a user or a group removes its memberships. */
export const scimGroupMembers = pgTable(
  'scim_group_members',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => scimGroups.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => scimUsers.id, { onDelete: 'cascade' }),
  },
  (t) => [
    primaryKey({ name: 'scim_group_members_pkey', columns: [t.groupId, t.userId] }),
    index('scim_group_members_user_idx').on(t.userId),
  ],
);

/**
 * Signed-in console sessions (one administrator password, so no user column). Only a SHA-256 hash of the cookie's
 * token is kept; the CSRF token is derived from the token, so it needs no column.
 */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Lower-case hex SHA-256 of the session token in the cookie. */
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    lastSeenAt: at('last_seen_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
    /** SHA-256 of the `state` of the admin consent this session started, until the callback uses it. */
    consentStateHash: text('consent_state_hash'),
    /** A one-time message for the next page (e.g. why a consent failed); never a secret. */
    flash: jsonb('flash').$type<{ kind: 'info' | 'error'; text: string }>(),
  },
  (t) => [
    uniqueIndex('console_sessions_token_hash_key').on(t.tokenHash),
    index('console_sessions_expires_at_idx').on(t.expiresAt),
  ],
);

/**
 * Graph's write budget shared by every worker of a deployment (activities/graph-write-pacer.ts): the writes the
 * workers reserved per tenant, one row a reservation (a worker reserves the writes it has waiting at once), dated by
 * the database's clock. `joiner_reserve_graph_writes` (migration 0008) deletes the tenant's reservations that have
 * left the window, sums the others and adds one, in a single call; a tenant that stops writing keeps its last
 * window's rows until its next write.
 */
export const graphWriteReservations = pgTable(
  'graph_write_reservations',
  {
    tenantId: text('tenant_id').notNull(),
    reservedAt: at('reserved_at').notNull(),
    writes: integer('writes').notNull(),
  },
  (t) => [primaryKey({ name: 'graph_write_reservations_pkey', columns: [t.tenantId, t.reservedAt] })],
);

/** A tenant Graph answered 429: no worker starts a write to it before `pausedUntil` (Retry-After). */
export const graphWritePauses = pgTable('graph_write_pauses', {
  tenantId: text('tenant_id').primaryKey(),
  pausedUntil: at('paused_until').notNull(),
});
