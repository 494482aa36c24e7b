// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Test code: only tests (and other test code) may import it. */
const TEST_FILES = ['**/*.test.ts', '**/*.test-support.ts', 'test/**'];
const SUBGRAPH_NAMES = ['users', 'products', 'orders', 'inventory'];

/**
 * A zone: the files it covers may not import what `forbidden` matches (a regular expression over the
 * import specifier, which is relative: `../../router/…`), with `message` saying what to do instead.
 */
function zone(name, files, forbidden) {
  return {
    name: `boundaries/${name}`,
    files,
    ignores: TEST_FILES,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: forbidden.map(([regex, message]) => ({ regex, message })) },
      ],
    },
  };
}

const NO_TEST_CODE = [
  '^(\\.\\./)*(test/|.*\\.test-support\\.ts$)',
  'Test code is for tests: move what non-test code needs out of test/ (scripts/support/ or lib/).',
];

export default tseslint.config(
  { ignores: ['node_modules/', '**/dist/', '.data/', '**/__generated__/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  // Examples for SDK users print their results, as a user's script would.
  { files: ['examples/**'], rules: { 'no-console': 'off' } },

  // Boundaries: lib/ holds mechanisms and knows no service; a subgraph is a room whose only doors are the
  // contracts and the registry; the router reads subgraphs as data; nothing but tests imports tests.
  zone(
    'lib',
    ['lib/**'],
    [
      ['^(\\.\\./)+(router|subgraphs|scripts|sdk)/', 'lib/ holds mechanisms: it may not import a service.'],
      NO_TEST_CODE,
    ],
  ),
  ...SUBGRAPH_NAMES.map((name) =>
    zone(
      `subgraphs/${name}`,
      [`subgraphs/${name}/**`],
      [
        [
          `^(\\.\\./)+(${SUBGRAPH_NAMES.filter((other) => other !== name).join('|')})/`,
          'A subgraph talks to another only through subgraphs/contracts/ (events) and the supergraph.',
        ],
        ['^(\\.\\./)+index\\.ts$', 'subgraphs/index.ts loads every subgraph: import your own definition.'],
        ['^(\\.\\./)+(router|scripts|sdk)/', 'A subgraph may not import the router, scripts or the SDK.'],
        NO_TEST_CODE,
      ],
    ),
  ),
  zone(
    'subgraphs/contracts and registry',
    ['subgraphs/contracts/**', 'subgraphs/registry.ts'],
    [
      [
        `^(\\.\\.?/)+(${SUBGRAPH_NAMES.join('|')})/|(^|/)index\\.ts$`,
        'Contracts and the registry import nothing of a subgraph.',
      ],
      ['^(\\.\\./)+(router|scripts|sdk)/', 'Contracts and the registry import lib/ only.'],
    ],
  ),
  zone(
    'router',
    ['router/**'],
    [
      [
        '^(\\.\\./)+subgraphs/(?!contracts/|registry\\.ts$)',
        'The router reads subgraphs as data (subgraphs/registry.ts) and events (subgraphs/contracts/).',
      ],
      ['^(\\.\\./)+(scripts|sdk)/', 'The router may not import scripts or the SDK.'],
      NO_TEST_CODE,
    ],
  ),
  zone('scripts', ['scripts/**', 'codegen.ts'], [NO_TEST_CODE]),
);
