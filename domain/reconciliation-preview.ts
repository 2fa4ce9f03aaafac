/**
 * What the next reconciliation of an employee would change in Entra, computed from the HR snapshot and what was last
 * written, with the same mapping and diff the workflow uses and no call to Graph. Pure.
 */
import { checkCreationEligibility, describeMissingFields, missingCreationFields } from './creation-eligibility';
import { diffGraphUser } from './graph-diff';
import { mapHrToGraph, toNewGraphUser } from './graph-mapping';
import type { ManagedGraphProperty, PushedEntraState } from './graph-user';
import type { HrEmployee } from './hr-employee';
import type { CompanyPolicies } from './policies';

/** One Graph property the reconciliation would write: its value now (as last written, if known) and the new one. */
export interface PropertyChange {
  property: ManagedGraphProperty;
  /** Undefined when Joiner never wrote this property. */
  from: string | string[] | null | undefined;
  to: string | string[] | null;
}

export type ReconciliationPreview =
  /** HR deleted the employee: the workflow ends; the Entra user is left or deleted as the policies say. */
  | { kind: 'hr-deleted' }
  /** The user would be created with these properties. */
  | { kind: 'create'; userPrincipalName: string; changes: PropertyChange[]; managerEmployeeId: string | null }
  /** Nothing can be created yet; `reason` says what is missing. */
  | { kind: 'cannot-create'; reason: string }
  /** The existing user would be patched with these changes (none: Entra is in line with HR). */
  | {
      kind: 'update';
      changes: PropertyChange[];
      /** Set when the manager would change: the HR id of the new manager, or null to remove it. */
      manager: { from: string | null; to: string | null } | null;
    };

export interface PreviewInput {
  snapshot: HrEmployee;
  policies: Pick<CompanyPolicies, 'timeZone'>;
  entraObjectId: string | null;
  lastPushed: PushedEntraState | null;
  deletedInHr?: boolean;
  /** The tenant's verified domains when known (a create also needs the work email on one of them). */
  verifiedDomains?: readonly string[] | null;
}

/** The preview of the next reconciliation (see {@link ReconciliationPreview}). */
export function previewReconciliation(input: PreviewInput): ReconciliationPreview {
  if (input.deletedInHr) return { kind: 'hr-deleted' };
  const desired = mapHrToGraph(input.snapshot, input.policies);
  if (input.entraObjectId === null) {
    const missing = missingCreationFields(input.snapshot);
    if (missing.length > 0) return { kind: 'cannot-create', reason: describeMissingFields(missing) };
    if (input.verifiedDomains) {
      const eligibility = checkCreationEligibility(input.snapshot, input.verifiedDomains);
      if (!eligibility.eligible) return { kind: 'cannot-create', reason: eligibility.reason };
    }
    const body = toNewGraphUser(desired);
    if (body === null) return { kind: 'cannot-create', reason: describeMissingFields(missing) };
    const changes: PropertyChange[] = [];
    for (const [property, value] of Object.entries(body) as [string, string | string[]][]) {
      if (property === 'userPrincipalName') continue;
      changes.push({ property: property as ManagedGraphProperty, from: undefined, to: value });
    }
    return {
      kind: 'create',
      userPrincipalName: body.userPrincipalName,
      changes,
      managerEmployeeId: desired.managerEmployeeId,
    };
  }
  const pushed = input.lastPushed?.fields;
  const patch = diffGraphUser(pushed, desired.properties);
  const changes = (Object.entries(patch) as [ManagedGraphProperty, string | string[] | null][]).map(
    ([property, to]) => ({ property, from: pushed?.[property], to }),
  );
  const managerFrom = input.lastPushed?.managerEmployeeId ?? null;
  const managerSet = input.lastPushed?.managerEntraObjectId != null;
  const managerTo = desired.managerEmployeeId;
  const managerChanges = managerTo === null ? managerSet : managerTo !== managerFrom || !managerSet;
  return { kind: 'update', changes, manager: managerChanges ? { from: managerFrom, to: managerTo } : null };
}
