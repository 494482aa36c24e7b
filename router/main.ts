import { exitOnConfigError } from '../lib/config.ts';
import { stopOnSignals } from '../lib/shutdown.ts';
import { readRouterConfig } from './config.ts';
import { createRouter } from './create-router.ts';

const router = createRouter(exitOnConfigError(() => readRouterConfig(process.env)));
await router.listen();
stopOnSignals(router.logger, () => router.close());
