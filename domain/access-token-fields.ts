import { storableString } from './storable-text';

/**
 * What an access token's name and description may be, kept once for every way to create a token: the admin API,
 * the console's Access tokens form and `joiner tokens create`. Text PostgreSQL cannot store (NUL, an unpaired
 * surrogate) is refused here, so every caller answers with a message naming the field instead of the database
 * refusing the row.
 */
export const accessTokenNameMaxLength = 100;
export const accessTokenDescriptionMaxLength = 500;

export const AccessTokenName = storableString('must be text')
  .trim()
  .min(1, 'must not be empty')
  .max(accessTokenNameMaxLength, `must be at most ${accessTokenNameMaxLength} characters`);

export const AccessTokenDescription = storableString('must be text')
  .trim()
  .max(accessTokenDescriptionMaxLength, `must be at most ${accessTokenDescriptionMaxLength} characters`);

/** Both fields are the same kind of schema (a trimmed, bounded, storable string). */
export type AccessTokenTextField = typeof AccessTokenName;

/** The first problem with `value` as a name or description (e.g. "must not be empty"), or its trimmed form. */
export function checkAccessTokenField(
  schema: AccessTokenTextField,
  value: unknown,
): { ok: true; value: string } | { ok: false; problem: string } {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: parsed.error.issues[0]!.message };
}
