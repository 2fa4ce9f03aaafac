import { z } from 'zod';

/**
 * Text that PostgreSQL can store. Its `text` and `jsonb` types refuse U+0000, and an unpaired UTF-16 surrogate has
 * no UTF-8 form: `jsonb` refuses it and the driver would silently turn it into U+FFFD in a `text` column. Both are
 * refused at the edge, naming the field, rather than failing (or being rewritten) in the database.
 */
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the string can be stored and read back unchanged. Pure. */
export function isStorableText(value: string): boolean {
  return !unstorable.test(value);
}

/** Why a string cannot be stored (for a 400 message that names its field), or undefined when it can. Pure. */
export function unstorableTextReason(value: string): string | undefined {
  const match = unstorable.exec(value);
  if (!match) return undefined;
  return match[0] === '\u0000' ? 'contains the NUL character (U+0000)' : 'contains an unpaired UTF-16 surrogate';
}

/**
 * A zod string PostgreSQL can store, checked first and aborting the rest of the chain, so the 400 names the field and
 * says why instead of the database refusing the row. `error` is the message for a value that is not a string.
 */
export const storableString = (error: Parameters<typeof z.string>[0]) =>
  z.string(error).check((ctx) => {
    const reason = unstorableTextReason(ctx.value);
    if (reason !== undefined) ctx.issues.push({ code: 'custom', message: reason, input: ctx.value, continue: false });
  });
