import { randomBytes } from 'node:crypto';

const lower = 'abcdefghijkmnopqrstuvwxyz';
const upper = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const digits = '23456789';
const symbols = '!#$%&*+-=?@^_~';
const characterClasses = [lower, upper, digits, symbols] as const;
const alphabet = characterClasses.join('');

/** Length of generated passwords: well inside Graph's 8–256 and long enough that guessing is hopeless (~150 bits). */
export const INITIAL_PASSWORD_LENGTH = 24;

/** An unbiased random index below `bound` (< 256), by rejection sampling over random bytes. */
function randomIndex(bound: number): number {
  const limit = 256 - (256 % bound);
  for (;;) {
    for (const byte of randomBytes(32)) {
      if (byte < limit) return byte % bound;
    }
  }
}

function pick(characters: string): string {
  return characters.charAt(randomIndex(characters.length));
}

/**
 * Generates the initial password of a new Entra user from `crypto.randomBytes`: {@link INITIAL_PASSWORD_LENGTH}
 * characters with every one of Graph's four character classes (lower, upper, digit, symbol), so it always meets the
 * complexity rule (3 of 4). Look-alike characters (l, I, O, 0, 1) are left out in case a helpdesk ever reads one out.
 * The caller must never log, store or return it.
 */
export function generateInitialPassword(length: number = INITIAL_PASSWORD_LENGTH): string {
  if (length < characterClasses.length || length > 256) throw new RangeError('password length must be 4..256');
  const characters = characterClasses.map(pick);
  while (characters.length < length) characters.push(pick(alphabet));
  // Fisher–Yates, so the guaranteed characters are not always first.
  for (let i = characters.length - 1; i > 0; i--) {
    const j = randomIndex(i + 1);
    [characters[i], characters[j]] = [characters[j]!, characters[i]!];
  }
  return characters.join('');
}
