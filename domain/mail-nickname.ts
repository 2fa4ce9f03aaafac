/**
 * Mail nicknames and userPrincipalName aliases, the two name-derived values Graph is strict about
 * (docs/mapping.md). Pure: safe in workflow code.
 */

/** Graph's limit for mailNickname and for the alias (the part before `@`) of a userPrincipalName. */
export const MAIL_NICKNAME_MAX_LENGTH = 64;
export const UPN_LOCAL_PART_MAX_LENGTH = 64;

/**
 * Latin letters that Unicode NFKD does not decompose into a base letter plus marks, spelled the way mail
 * administrators usually write them in ASCII.
 */
const LETTERS_WITHOUT_DECOMPOSITION: Readonly<Record<string, string>> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'Th',
  ħ: 'h',
  Ħ: 'H',
  ı: 'i',
  ŧ: 't',
  Ŧ: 'T',
  ŋ: 'n',
  Ŋ: 'N',
  ĸ: 'k',
  ſ: 's',
  // Typographic apostrophes in names such as O’Neil: keep them as the ASCII apostrophe Graph accepts.
  '\u2019': "'",
  '\u02BC': "'",
};

/** Graph refuses these in mailNickname: `@ ( ) \ [ ] " ; : < > ,` and space. */
const MAIL_NICKNAME_FORBIDDEN = /[@()\\[\]";:<>,\s]/g;

/** Characters a userPrincipalName alias may contain: A-Z a-z 0-9 ' . - _ ! # ^ ~ */
const UPN_LOCAL_PART_ALLOWED = /^[A-Za-z0-9'.\-_!#^~]+$/;

/**
 * Folds text to ASCII the way a person would type it: diacritics stripped (Å→A, Ö→O, é→e), letters without a
 * decomposition spelled out (ß→ss, æ→ae, ø→o, ł→l), compatibility forms expanded (ﬁ→fi). Characters with no ASCII
 * spelling (Cyrillic, CJK, …) are dropped.
 */
export function foldToAscii(text: string): string {
  let folded = '';
  for (const char of text) folded += LETTERS_WITHOUT_DECOMPOSITION[char] ?? char;
  return (
    folded
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      // Anything still outside printable ASCII has no spelling we can guess; Graph requires ASCII.
      .replace(/[^\x20-\x7E]/g, '')
  );
}

/** One name turned into nickname characters: ASCII, lower case, no forbidden characters or spaces. */
function nicknamePart(name: string | null): string {
  if (name === null) return '';
  return foldToAscii(name).toLowerCase().replace(MAIL_NICKNAME_FORBIDDEN, '');
}

/** Removes leading, trailing and repeated dots. */
function tidyDots(text: string): string {
  return text.replace(/\.{2,}/g, '.').replace(/^\.+|\.+$/g, '');
}

/**
 * The mail nickname for a person: `firstName.lastName`, folded to ASCII, lower case, without the characters Graph
 * forbids (spaces included, so "José María" becomes `josemaria`), without leading, trailing or double dots, and at most
 * 64 characters. When one name has nothing usable the other stands alone; when neither has, the result is `null`
 * (e.g. names written only in Cyrillic or CJK) and the caller falls back to {@link mailNicknameFromEmail}.
 */
export function mailNicknameFromName(firstName: string | null, lastName: string | null): string | null {
  const joined = tidyDots([nicknamePart(firstName), nicknamePart(lastName)].filter((p) => p !== '').join('.'));
  const nickname = tidyDots(joined.slice(0, MAIL_NICKNAME_MAX_LENGTH));
  return nickname === '' ? null : nickname;
}

/**
 * A mail nickname from the alias of a work email (the part before `@`), lower case. A valid UPN alias is always a
 * valid nickname, since every character Graph allows in one is allowed in the other. `null` if nothing is left.
 */
export function mailNicknameFromEmail(workEmail: string | null): string | null {
  if (workEmail === null) return null;
  const at = workEmail.lastIndexOf('@');
  const alias = at < 0 ? workEmail : workEmail.slice(0, at);
  const nickname = tidyDots(nicknamePart(alias).slice(0, MAIL_NICKNAME_MAX_LENGTH));
  return nickname === '' ? null : nickname;
}

/**
 * Why a userPrincipalName alias (the local part of the work email) would be refused by Entra, or `null` when it is
 * acceptable: only A-Z a-z 0-9 ' . - _ ! # ^ ~, 1–64 characters, no leading, trailing or double dots.
 */
export function upnLocalPartProblem(localPart: string): string | null {
  if (localPart === '') return 'the part before @ is empty';
  if (localPart.length > UPN_LOCAL_PART_MAX_LENGTH) {
    return `the part before @ is longer than ${UPN_LOCAL_PART_MAX_LENGTH} characters`;
  }
  if (!UPN_LOCAL_PART_ALLOWED.test(localPart)) {
    const forbidden = [...new Set([...localPart].filter((c) => !UPN_LOCAL_PART_ALLOWED.test(c)))];
    return (
      `the part before @ contains ${forbidden.map((c) => `"${c}"`).join(', ')}; ` +
      `Entra allows only letters A-Z, digits and ' . - _ ! # ^ ~`
    );
  }
  if (localPart.startsWith('.') || localPart.endsWith('.')) return 'the part before @ starts or ends with a dot';
  if (localPart.includes('..')) return 'the part before @ contains two dots in a row';
  return null;
}

/** Splits an email address at its last `@`; `null` when there is none. */
export function splitEmail(email: string): { localPart: string; domain: string } | null {
  const at = email.lastIndexOf('@');
  if (at < 0) return null;
  return { localPart: email.slice(0, at), domain: email.slice(at + 1) };
}
