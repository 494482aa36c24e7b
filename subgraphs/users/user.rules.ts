/** The rules for account data, as plain functions that return clean values or name the bad field. */
import { BadUserInputError } from '../../lib/errors.ts';

export interface Registration {
  email: string;
  username: string;
  password: string;
  fullName: string | null;
}

export interface RegisterInputFields {
  email: string;
  username: string;
  password: string;
  fullName?: string | null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
export const MIN_PASSWORD_LENGTH = 8;
/** argon2 hashes anything, but an unbounded password is a cheap way to burn CPU. */
const MAX_PASSWORD_LENGTH = 256;

export function validateRegistration(input: RegisterInputFields, prefix = 'input'): Registration {
  const email = input.email.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email))
    throw new BadUserInputError(`${prefix}.email`, 'must be an email address');
  const username = input.username.trim();
  if (!USERNAME.test(username)) {
    throw new BadUserInputError(
      `${prefix}.username`,
      'must be 3 to 32 letters, digits, dots, dashes or underscores',
    );
  }
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new BadUserInputError(`${prefix}.password`, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (input.password.length > MAX_PASSWORD_LENGTH) {
    throw new BadUserInputError(`${prefix}.password`, `must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  const fullName = input.fullName?.trim() || null;
  if (fullName && fullName.length > 200)
    throw new BadUserInputError(`${prefix}.fullName`, 'must be at most 200 characters');
  return { email, username, password: input.password, fullName };
}

/**
 * A login's username and password, refused as bad input when no account could have them (an unbounded
 * username would cost a lookup and a limiter key for nothing).
 */
export function validateLogin(username: string, password: string): { username: string; password: string } {
  const name = username.trim();
  if (!USERNAME.test(name)) {
    throw new BadUserInputError('username', 'must be 3 to 32 letters, digits, dots, dashes or underscores');
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new BadUserInputError('password', `must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  return { username: name, password };
}
