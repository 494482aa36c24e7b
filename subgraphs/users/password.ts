/**
 * Password hashing with argon2id at OWASP's recommended parameters (19 MiB, 2 iterations, 1 lane).
 * A login for an unknown user still verifies against a hash, so both failures take the same time.
 */
import { hash, verify } from '@node-rs/argon2';

/** `algorithm: 2` is the package's const enum `Algorithm.Argon2id`, which erasable TypeScript cannot reference. */
const OWASP_ARGON2ID = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OWASP_ARGON2ID);
}

let decoy: Promise<string> | undefined;

/** Verifies `password` against `passwordHash`, or burns the same time against a decoy when there is none. */
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  if (passwordHash === undefined) {
    decoy ??= hashPassword('decoy password that matches no account');
    await verify(await decoy, password);
    return false;
  }
  return verify(passwordHash, password);
}
