import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type { CountryCode } from 'libphonenumber-js/max';

/**
 * The E.164 form (`+16175551212`) of a phone number written in any form, for HR-side use; the number as sent is kept
 * beside it, never replaced. A number without a country code is read in the company's default country. A number
 * parses when it has a possible length for its country (stricter "valid range" checks would miss real numbers in
 * newly opened ranges); an extension is dropped because E.164 cannot carry it. Pure.
 * @returns the E.164 text, or undefined when the value cannot be parsed (the caller flags it)
 */
export function toE164(value: string, defaultCountry?: CountryCode): string | undefined {
  if (value.length > 64) return undefined;
  const parsed = parsePhoneNumberFromString(value, defaultCountry ? { defaultCountry } : undefined);
  if (!parsed?.isPossible()) return undefined;
  return parsed.number;
}

/** True for an ISO 3166-1 alpha-2 code the phone library knows (to validate a company's default country). */
export function isPhoneCountry(code: string): code is CountryCode {
  return isSupportedCountry(code);
}
