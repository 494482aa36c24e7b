/**
 * The keys that sign access tokens. They live in a JSON file (`JWT_KEYS_FILE`, a mounted secret in
 * Kubernetes): `{ "keys": [privateJwk, …] }`, newest first, each with an `activatesAt` time (ms). Every
 * key's public half is published at /.well-known/jwks.json at once; the newest key that is active signs.
 * A new key activates only after a delay longer than the routers' JWKS refresh interval, so no router ever
 * sees a token signed with a key it cannot fetch yet, and tokens signed by previous keys keep verifying
 * until they expire. The file is re-read when it changes: rotating (`npm run rotate-keys`) needs no
 * restart.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';

export const SIGNING_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
}

export interface SigningKeys {
  /** The key that signs new tokens. */
  current(): Promise<SigningKey>;
  /** The public keys that verify tokens, as a JWKS document. */
  publicJwks(): Promise<{ keys: JWK[] }>;
}

/** A private JWK as stored in the key file. */
export type StoredKey = JWK & { activatesAt?: number };

interface LoadedKeys {
  mtimeMs: number;
  /** Newest first, each with its activation time. */
  signing: (SigningKey & { activatesAt: number })[];
  publicJwks: { keys: JWK[] };
}

/** How often the file's modification time is checked. */
const RECHECK_MS = 5_000;

export function signingKeysFromFile(path: string): SigningKeys {
  let loaded: LoadedKeys | undefined;
  let checkedAt = 0;

  async function keys(): Promise<LoadedKeys> {
    if (loaded && Date.now() - checkedAt < RECHECK_MS) return loaded;
    checkedAt = Date.now();
    const { mtimeMs } = await stat(path);
    if (!loaded || loaded.mtimeMs !== mtimeMs) loaded = await loadKeys(path, mtimeMs);
    return loaded;
  }

  return {
    async current() {
      const { signing } = await keys();
      const now = Date.now();
      // The oldest key signs if none has activated yet (a fresh file made of one key that is still pending).
      return signing.find((key) => key.activatesAt <= now) ?? (signing.at(-1) as SigningKey);
    },
    publicJwks: async () => (await keys()).publicJwks,
  };
}

async function loadKeys(path: string, mtimeMs: number): Promise<LoadedKeys> {
  const stored = (JSON.parse(await readFile(path, 'utf8')) as { keys?: StoredKey[] }).keys ?? [];
  if (stored.length === 0) throw new Error(`${path} holds no signing keys`);
  const signing = await Promise.all(
    stored.map(async (jwk) => {
      const { alg, kid, d, activatesAt = 0 } = jwk;
      if (!kid || !d || !SIGNING_ALGORITHMS.includes(alg as SigningAlgorithm)) {
        throw new Error(
          `${path}: every key must be a private ${SIGNING_ALGORITHMS.join(' or ')} JWK with a kid`,
        );
      }
      const privateKey = (await importJWK(jwk, alg)) as CryptoKey;
      return { kid, alg: alg as SigningAlgorithm, privateKey, activatesAt };
    }),
  );
  return { mtimeMs, signing, publicJwks: { keys: stored.map(publicPart) } };
}

/** The public half of a private JWK: everything but the private parameters. */
function publicPart(jwk: JWK): JWK {
  const { kty, crv, x, y, n, e, kid, alg } = jwk;
  return Object.fromEntries(
    Object.entries({ kty, crv, x, y, n, e, kid, alg, use: 'sig' }).filter(([, value]) => value !== undefined),
  ) as JWK;
}

export async function generateSigningKey(alg: SigningAlgorithm = 'EdDSA'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    crv: alg === 'EdDSA' ? 'Ed25519' : undefined,
  });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, alg, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
}

/**
 * Puts a new signing key first, active after `activationDelayMs`, keeping the `keep` previous ones so tokens
 * they signed verify until they expire. Creates the file if it is missing. The write is atomic (rename), so
 * readers never see half a file.
 */
export async function rotateSigningKeys(
  path: string,
  {
    activationDelayMs,
    keep = 2,
    alg = 'EdDSA',
  }: { activationDelayMs: number; keep?: number; alg?: SigningAlgorithm },
): Promise<StoredKey> {
  const previous = existsSync(path)
    ? ((JSON.parse(await readFile(path, 'utf8')) as { keys?: StoredKey[] }).keys ?? [])
    : [];
  const key: StoredKey = { ...(await generateSigningKey(alg)), activatesAt: Date.now() + activationDelayMs };
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ keys: [key, ...previous.slice(0, keep)] }, null, 2)}\n`, {
    mode: 0o600,
  });
  await rename(temporary, path);
  return key;
}

/** For development: a key file with one active key is created on first start. */
export async function ensureSigningKeys(path: string): Promise<void> {
  if (!existsSync(path)) await rotateSigningKeys(path, { activationDelayMs: 0 });
}
