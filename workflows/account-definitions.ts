/**
 * Messages and names of the Entra → HR account lifecycle (one workflow per SCIM user, docs/temporal.md), shared by the
 * SCIM routes and the workflow. Pure: workflow code and Node processes both import this file.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** Workflow type name of {@link accountWorkflowId}'s workflows. */
export const accountLifecycleWorkflowType = 'accountLifecycleWorkflow';

/** `account/<companyId>/<scimUserId>`: one workflow per SCIM user. */
export function accountWorkflowId(companyId: string, scimUserId: string): string {
  return `account/${companyId}/${scimUserId}`;
}

/** What Entra did to the account. */
export const AccountChange = {
  Created: 'created',
  Updated: 'updated',
  Deactivated: 'deactivated',
  Reactivated: 'reactivated',
  Deleted: 'deleted',
} as const;
export type AccountChange = (typeof AccountChange)[keyof typeof AccountChange];

/** Input of the account workflow; `carried` is set only by continue-as-new. */
export interface AccountLifecycleInput {
  companyId: string;
  scimUserId: string;
  carried?: AccountLifecycleState;
  /** Continue-as-new once history reaches this many events (tests lower it); default 2,000. */
  historyLimit?: number;
}

/**
 * One SCIM write, sent after it was committed. Carries the account as stored, so a lost signal is made good by the
 * next one; `version` (the resource version) lets the workflow ignore a duplicate or older signal.
 */
export interface AccountChangedSignal {
  change: AccountChange;
  /** ISO time of the write. */
  at: string;
  version: number;
  userName: string;
  active: boolean;
  externalId: string | null;
  employeeId: string | null;
  /** Deletes only: days the deleted account's data is kept before it is removed; null removes it at once. */
  retentionDays?: number | null;
}

/** One line of the account's timeline. */
export interface AccountTimelineEntry {
  at: string;
  event: AccountChange | 'linked' | 'purge-scheduled' | 'purged';
  detail?: string;
}

/** The workflow's view of the account (the `state` query). */
export interface AccountLifecycleState {
  companyId: string;
  scimUserId: string;
  userName: string | null;
  active: boolean;
  externalId: string | null;
  employeeId: string | null;
  deleted: boolean;
  /** When the deleted account's data will be removed (ISO), or null. */
  purgeAt: string | null;
  purged: boolean;
  lastVersion: number;
  /** Most recent last; the oldest entries are dropped beyond {@link accountTimelineLimit}. */
  timeline: AccountTimelineEntry[];
}

/** Timeline entries kept in the workflow (and carried over continue-as-new). */
export const accountTimelineLimit = 200;

export const accountChangedSignal = defineSignal<[AccountChangedSignal]>('accountChanged');
export const accountStateQuery = defineQuery<AccountLifecycleState>('state');
export const accountTimelineQuery = defineQuery<AccountTimelineEntry[]>('timeline');

/**
 * Sent to the employee workflow (`employee/<companyId>/<employeeId>`) when Entra provisioned the employee's account
 * through SCIM with its Entra object id as externalId: HR → Entra must link that user, never create a second one.
 * The object id is also stored on the employee row before the signal is sent.
 */
export interface EntraObjectLinkedSignal {
  entraObjectId: string;
  scimUserId: string;
  userName: string;
}
export const entraObjectLinkedSignal = defineSignal<[EntraObjectLinkedSignal]>('entraObjectLinked');
