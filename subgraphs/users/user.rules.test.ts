import { describe, expect, it } from '@jest/globals';
import { BadUserInputError, ErrorCode } from '../../lib/errors.ts';
import { MIN_PASSWORD_LENGTH, validateRegistration, type RegisterInputFields } from './user.rules.ts';

const VALID: RegisterInputFields = {
  email: 'ada@example.com',
  username: 'ada.lovelace',
  password: 'analytical-engine',
  fullName: 'Ada Lovelace',
};

/** The BAD_USER_INPUT error that `input` gets, with the field it names. */
function refusal(input: RegisterInputFields, prefix?: string): { field: unknown; message: string } {
  try {
    validateRegistration(input, prefix);
  } catch (error) {
    if (!(error instanceof BadUserInputError)) throw error;
    expect(error.code).toBe(ErrorCode.BAD_USER_INPUT);
    return { field: error.details.field, message: error.message };
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('validateRegistration', () => {
  it('returns clean values: email trimmed and lower-cased, username trimmed with its case, password untouched', () => {
    expect(
      validateRegistration({
        email: '  Ada.Lovelace@Example.COM ',
        username: ' Ada_L-1815 ',
        password: ' spaces count ',
        fullName: '  Ada Lovelace  ',
      }),
    ).toEqual({
      email: 'ada.lovelace@example.com',
      username: 'Ada_L-1815',
      password: ' spaces count ',
      fullName: 'Ada Lovelace',
    });
  });

  it('makes a missing or blank full name null', () => {
    expect(validateRegistration({ ...VALID, fullName: undefined }).fullName).toBeNull();
    expect(validateRegistration({ ...VALID, fullName: null }).fullName).toBeNull();
    expect(validateRegistration({ ...VALID, fullName: '   ' }).fullName).toBeNull();
  });

  it('refuses a malformed or overlong email, naming input.email', () => {
    for (const email of ['', 'ada', 'ada@', '@example.com', 'ada@example', 'a da@example.com', 'a@b@c.com']) {
      expect(refusal({ ...VALID, email })).toEqual({
        field: 'input.email',
        message: 'input.email: must be an email address',
      });
    }
    const long = `${'a'.repeat(243)}@example.com`; // 255 characters
    expect(refusal({ ...VALID, email: long }).field).toBe('input.email');
    expect(validateRegistration({ ...VALID, email: long.slice(1) }).email).toHaveLength(254);
  });

  it('accepts usernames of 3 to 32 letters, digits, dots, dashes or underscores', () => {
    for (const username of ['abc', 'a.b', 'A-B_c.9', 'x'.repeat(32)]) {
      expect(validateRegistration({ ...VALID, username }).username).toBe(username);
    }
  });

  it('refuses any other username, naming input.username', () => {
    for (const username of [
      'ab',
      '   ab  ',
      'x'.repeat(33),
      'has space',
      'semi;colon',
      'ümlaut',
      'a@b',
      '',
    ]) {
      expect(refusal({ ...VALID, username })).toEqual({
        field: 'input.username',
        message: 'input.username: must be 3 to 32 letters, digits, dots, dashes or underscores',
      });
    }
  });

  it(`needs a password of ${MIN_PASSWORD_LENGTH} to 256 characters, naming input.password`, () => {
    expect(MIN_PASSWORD_LENGTH).toBe(8);
    expect(refusal({ ...VALID, password: '1234567' })).toEqual({
      field: 'input.password',
      message: 'input.password: must be at least 8 characters',
    });
    expect(refusal({ ...VALID, password: '' }).field).toBe('input.password');
    expect(validateRegistration({ ...VALID, password: '12345678' }).password).toBe('12345678');
    expect(validateRegistration({ ...VALID, password: 'p'.repeat(256) }).password).toHaveLength(256);
    expect(refusal({ ...VALID, password: 'p'.repeat(257) })).toEqual({
      field: 'input.password',
      message: 'input.password: must be at most 256 characters',
    });
  });

  it('refuses a full name over 200 characters', () => {
    expect(validateRegistration({ ...VALID, fullName: 'n'.repeat(200) }).fullName).toHaveLength(200);
    expect(refusal({ ...VALID, fullName: 'n'.repeat(201) })).toEqual({
      field: 'input.fullName',
      message: 'input.fullName: must be at most 200 characters',
    });
  });

  it('checks the fields in order and uses the given prefix', () => {
    expect(refusal({ email: 'bad', username: 'x', password: 'short' }).field).toBe('input.email');
    expect(refusal({ ...VALID, username: 'x', password: 'short' }).field).toBe('input.username');
    expect(refusal({ ...VALID, password: 'short' }, 'account').field).toBe('account.password');
  });
});
