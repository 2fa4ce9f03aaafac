/** Formats schema validation issues as field-level messages. Structural, so it needs no zod import. */

/** The part of a zod issue (or any validator's) this module reads. */
export interface ValidationIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** `data.employee.homeAddress.zipCode`, `emails[0].value`; `(root)` for the value itself. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(root)' : text;
}

/** One line per issue, `path: message`, e.g. `data.employee.version: is required`. */
export function formatIssues(error: { readonly issues: readonly ValidationIssue[] }): string[] {
  return error.issues.map((issue) => `${formatIssuePath(issue.path)}: ${issue.message}`);
}
