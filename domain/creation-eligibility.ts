import type { HrEmployee } from './hr-employee';
import { splitEmail, upnLocalPartProblem } from './mail-nickname';

/**
 * Whether Joiner may create the Entra user for an HR snapshot: HR has a work email, a first name and a last name;
 * the work email's domain is a verified domain of the tenant; and its alias is one Entra accepts as a
 * userPrincipalName (docs/mapping.md, When a user is created). Pure: safe in workflow code.
 */

/** The HR fields a create needs, in the order problems are reported. */
export const MANDATORY_CREATION_FIELDS = ['workEmail', 'firstName', 'lastName'] as const;
export type MandatoryCreationField = (typeof MANDATORY_CREATION_FIELDS)[number];

const FIELD_LABELS: Readonly<Record<MandatoryCreationField, string>> = {
  workEmail: 'work email',
  firstName: 'first name',
  lastName: 'last name',
};

export const CreationProblemCode = {
  /** Work email, first name or last name is missing in HR. */
  MissingFields: 'missingFields',
  /** The work-email domain is not a verified domain of the connected tenant. */
  DomainNotVerified: 'domainNotVerified',
  /** The part of the work email before `@` has characters or a shape Entra refuses in a userPrincipalName. */
  InvalidUpnAlias: 'invalidUpnAlias',
} as const;
export type CreationProblemCode = (typeof CreationProblemCode)[keyof typeof CreationProblemCode];

export interface CreationProblem {
  code: CreationProblemCode;
  /** A sentence an HR administrator can act on. */
  message: string;
}

export type CreationEligibility =
  | { eligible: true; userPrincipalName: string }
  | {
      eligible: false;
      problems: CreationProblem[];
      /** All problems in one sentence, for a status page or the workflow's blocked reason. */
      reason: string;
    };

/** The mandatory fields HR has no value for, in {@link MANDATORY_CREATION_FIELDS} order. */
export function missingCreationFields(employee: Pick<HrEmployee, MandatoryCreationField>): MandatoryCreationField[] {
  return MANDATORY_CREATION_FIELDS.filter((field) => employee[field] === null);
}

/** Human list: "a", "a and b", "a, b and c". */
function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * A sentence naming the missing mandatory fields, e.g. "HR has no work email and no last name for this employee; Entra
 * needs a work email, a first name and a last name to create the user." Empty string when nothing is missing.
 */
export function describeMissingFields(missing: readonly MandatoryCreationField[]): string {
  if (missing.length === 0) return '';
  return (
    `HR has ${listInWords(missing.map((f) => `no ${FIELD_LABELS[f]}`))} for this employee; ` +
    'Entra needs a work email, a first name and a last name to create the user.'
  );
}

/** Whether `email`'s domain is exactly one of `verifiedDomains`, ignoring case (subdomains are separate domains). */
export function isOnVerifiedDomain(email: string, verifiedDomains: readonly string[]): boolean {
  const domain = splitEmail(email)?.domain.toLowerCase();
  return domain !== undefined && verifiedDomains.some((d) => d.trim().toLowerCase() === domain);
}

/**
 * Decides whether the Entra user can be created from this snapshot in a tenant with these verified domain names.
 * Reports every problem at once, so HR can fix them in one go. Name characters never block a create: the mail
 * nickname falls back to the work-email alias when the names have no ASCII spelling.
 */
export function checkCreationEligibility(
  employee: Pick<HrEmployee, MandatoryCreationField>,
  verifiedDomains: readonly string[],
): CreationEligibility {
  const problems: CreationProblem[] = [];
  const missing = missingCreationFields(employee);
  if (missing.length > 0) {
    problems.push({ code: CreationProblemCode.MissingFields, message: describeMissingFields(missing) });
  }

  const email = employee.workEmail;
  const parts = email === null ? null : splitEmail(email);
  if (email !== null && parts === null) {
    problems.push({
      code: CreationProblemCode.InvalidUpnAlias,
      message: `The work email ${email} is not an email address.`,
    });
  }
  if (email !== null && parts !== null) {
    if (!isOnVerifiedDomain(email, verifiedDomains)) {
      const known = verifiedDomains.length === 0 ? 'it has none' : `it has ${listInWords(verifiedDomains)}`;
      problems.push({
        code: CreationProblemCode.DomainNotVerified,
        message: `The work email ${email} is on ${parts.domain}, which is not a verified domain of the connected Entra tenant (${known}).`,
      });
    }
    const aliasProblem = upnLocalPartProblem(parts.localPart);
    if (aliasProblem !== null) {
      problems.push({
        code: CreationProblemCode.InvalidUpnAlias,
        message: `The work email ${email} cannot be a userPrincipalName: ${aliasProblem}.`,
      });
    }
  }

  if (problems.length === 0 && email !== null) return { eligible: true, userPrincipalName: email };
  return { eligible: false, problems, reason: problems.map((p) => p.message).join(' ') };
}
