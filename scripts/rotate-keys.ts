/**
 * `npm run rotate-keys`: adds a new access-token signing key to JWT_KEYS_FILE (the users subgraph's key
 * file; created if missing). Every users replica publishes the new public key at once, starts signing with it
 * after KEY_ACTIVATION_DELAY_SECONDS (default 120, longer than the routers' JWKS refresh), and keeps the two
 * previous keys published so tokens they signed stay valid until they expire. No restart is needed.
 */
import { exitOnConfigError, readConfig } from '../lib/config.ts';
import { rotateSigningKeys, SIGNING_ALGORITHMS } from '../subgraphs/users/signing-keys.ts';
import { DEVELOPMENT_KEYS_FILE } from '../subgraphs/users/users.subgraph.ts';

const config = exitOnConfigError(() =>
  readConfig(process.env, (read) => ({
    file: read.string('JWT_KEYS_FILE', DEVELOPMENT_KEYS_FILE),
    activationDelaySeconds: read.int('KEY_ACTIVATION_DELAY_SECONDS', 120, { min: 0, max: 86_400 }),
    algorithm: read.oneOf('JWT_ALGORITHM', SIGNING_ALGORITHMS, 'EdDSA'),
  })),
);
const key = await rotateSigningKeys(config.file, {
  activationDelayMs: config.activationDelaySeconds * 1000,
  alg: config.algorithm,
});
process.stdout.write(
  `new ${config.algorithm} key ${key.kid} in ${config.file}, signing from ${new Date(key.activatesAt ?? 0).toISOString()}\n`,
);
