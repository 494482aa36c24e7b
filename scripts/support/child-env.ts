/**
 * What the services the tests and the bench start inherit from their parent, and nothing more: where to
 * find programs, the home directory, and Node's compile cache when one is set (NODE_COMPILE_CACHE: every
 * service compiles the same modules, and with the cache it reads the code compiled by those before it, a
 * third of a service's start-up CPU on the two-core machine).
 */
export function inheritedEnv(): Record<string, string> {
  const { PATH = '', HOME = '', NODE_COMPILE_CACHE } = process.env;
  return { PATH, HOME, ...(NODE_COMPILE_CACHE ? { NODE_COMPILE_CACHE } : {}) };
}
