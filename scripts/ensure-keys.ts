/**
 * `node scripts/serve.ts ensure-keys`: creates the users subgraph's signing-key file (JWT_KEYS_FILE) with
 * one key, active at once, unless the file exists. For docker compose, whose users service runs with
 * NODE_ENV=production (so it never makes keys itself) on a key file kept in a named volume. In Kubernetes
 * the file is a Secret made with `npm run rotate-keys` instead; rotation is always `npm run rotate-keys`.
 */
import { existsSync } from 'node:fs';
import { exitOnConfigError, readConfig } from '../lib/config.ts';
import { ensureSigningKeys } from '../subgraphs/users/signing-keys.ts';

const { file } = exitOnConfigError(() =>
  readConfig(process.env, (read) => ({ file: read.string('JWT_KEYS_FILE') })),
);
const existed = existsSync(file);
await ensureSigningKeys(file);
process.stdout.write(existed ? `${file} exists: kept\n` : `${file} created with one signing key\n`);
