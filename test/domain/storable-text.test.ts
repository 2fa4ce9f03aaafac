import { isStorableText, unstorableTextReason } from '../../domain/storable-text';

describe('text PostgreSQL can store', () => {
  it.each([
    ['plain text', 'Ada Lovelace'],
    ['a paired surrogate (an emoji)', 'Zoë 🙂'],
    ['the replacement character', '\uFFFD'],
    ['other control characters', 'tab\there\u0001'],
    ['the empty string', ''],
  ])('accepts %s', (_label, value) => {
    expect(isStorableText(value)).toBe(true);
    expect(unstorableTextReason(value)).toBeUndefined();
  });

  it.each([
    ['NUL', 'a\u0000b', 'NUL'],
    ['a lone high surrogate', 'a\uD83D', 'surrogate'],
    ['a lone high surrogate before text', '\uD83Db', 'surrogate'],
    ['a lone low surrogate', '\uDE00b', 'surrogate'],
    ['two high surrogates', '\uD83D\uD83D\uDE00', 'surrogate'],
  ])('refuses %s and says why', (_label, value, reason) => {
    expect(isStorableText(value)).toBe(false);
    expect(unstorableTextReason(value)).toContain(reason);
  });
});
