/**
 * BENCH ONLY, never loaded by the product: scenario 2 starts one router with
 * `node --import ./scripts/bench/without-session-checks.ts scripts/serve.ts router`, so that this runs
 * before the router loads and replaces `SessionChecker.prototype.statusOf` in the very module instance the
 * router then imports (router/session-checker.ts, the same URL).
 *
 * The replacement never asks the users service and answers `undefined`, what the checker answers when the
 * users service cannot say: router/features/auth.feature.ts then goes by the token alone (neither refused
 * nor given another role), as the router served before sessions were checked; all that is left of the check
 * is awaiting that resolved promise. The token is still verified, and every other feature is as deployed.
 * Against the same router without this module, it measures what session checks cost (issue 16: at most 5%
 * of the throughput); the scenario also checks that this router serves a logged-out session the
 * normal one refuses, so the row cannot silently measure two identical routers.
 */
import { SessionChecker } from '../../router/session-checker.ts';

SessionChecker.prototype.statusOf = () => Promise.resolve(undefined);
