import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export type { CountryCode } from 'libphonenumber-js/max';

/**
 * Normalises a phone number to E.164 (`+16175551212`), as seed 001 requires. A number without a country code is
 * read in the company's default country. A number is accepted when it has a possible length for its country
 * (stricter "valid range" checks would reject real numbers in newly opened ranges); an extension is dropped
 * because E.164 cannot carry it. Pure.
 * @returns the E.164 text, or undefined when the value cannot be normalised
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
