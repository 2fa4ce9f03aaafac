import { generateInitialPassword, INITIAL_PASSWORD_LENGTH } from '../../entra/password';

describe('generateInitialPassword', () => {
  it('always meets Graph complexity: long enough and all four character classes', () => {
    for (let i = 0; i < 500; i++) {
      const password = generateInitialPassword();
      expect(password).toHaveLength(INITIAL_PASSWORD_LENGTH);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[0-9]/);
      expect(password).toMatch(/[^A-Za-z0-9]/);
    }
  });

  it('never repeats a password over many draws', () => {
    const seen = new Set(Array.from({ length: 2000 }, () => generateInitialPassword()));
    expect(seen.size).toBe(2000);
  });

  it('refuses lengths Graph would reject', () => {
    expect(() => generateInitialPassword(3)).toThrow(RangeError);
    expect(() => generateInitialPassword(257)).toThrow(RangeError);
    expect(generateInitialPassword(8)).toHaveLength(8);
  });
});
