// One flat config for the whole workspace. The layer map of STYLE.md §1 is enforced here with
// `no-restricted-imports`, package by package, each ban carrying the reason in its message.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = {
  regex: '^node:',
  message: 'raft-core does no IO: it is pure and deterministic.',
};

/** Bans `names` (package names or patterns) with one shared reason. */
function ban(names, message) {
  return names.map((name) => ({ group: [name, `${name}/**`], message }));
}

const deepImports = ban(
  ['@keel/*/src'],
  'Import a package through its public entry, never its src/.',
);
const testingBan = ban(['@keel/*/testing'], 'Only test files may import a testing entry point.');

/** Per-layer import bans: package directory -> forbidden patterns. */
const layers = [
  {
    dir: 'packages/raft-core',
    // Only raft-core's tests and benchmarks may do IO (transcript files) or use dev packages of
    // ours (bench-kit); what raft-core ships imports nothing.
    sourceOnly: [
      nodeBuiltins,
      ...ban(['@keel/*'], 'raft-core is the bottom layer: it imports no other package of ours.'),
    ],
    patterns: ban(['ws', 'lmdb', 'msgpackr'], 'raft-core has zero runtime dependencies.'),
  },
  {
    dir: 'packages/raft-wal',
    patterns: ban(
      ['ws', '@keel/kv-mvcc', '@keel/raft-transport-ws', '@keel/embed', '@keel/etcd-grpc'],
      'raft-wal stores the Raft log only: it knows raft-core, lmdb and msgpackr.',
    ),
  },
  {
    dir: 'packages/raft-transport-ws',
    patterns: ban(
      ['lmdb', '@keel/raft-wal', '@keel/kv-mvcc', '@keel/embed', '@keel/etcd-grpc'],
      'raft-transport-ws moves messages only: it knows raft-core, ws and msgpackr.',
    ),
  },
  {
    dir: 'packages/kv-mvcc',
    patterns: ban(
      ['@keel/raft-*', 'ws', '@keel/embed', '@keel/etcd-grpc'],
      'kv-mvcc knows nothing of Raft: embed turns committed entries into kv transactions.',
    ),
  },
  {
    dir: 'packages/etcd-grpc',
    patterns: ban(
      ['@keel/raft-*', '@keel/embed', 'lmdb'],
      'etcd-grpc serves an interface that embed implements; it never reaches below kv-mvcc types.',
    ),
  },
  {
    dir: 'packages/embed',
    patterns: ban(
      ['@keel/demo', '@keel/keel', '@keel/bench', '@keel/chaos'],
      'embed never imports apps or tools.',
    ),
  },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'max-params': ['error', 3],
      'max-lines-per-function': ['error', { max: 70, skipBlankLines: true, skipComments: true }],
      'max-lines': ['error', { max: 600, skipBlankLines: true, skipComments: true }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an as-const object and a union type.' },
        { selector: 'TSModuleDeclaration[kind="namespace"]', message: 'No namespaces.' },
      ],
    },
  },
  // Flat config replaces a rule's options rather than merging them, so each block states the
  // whole list: source files get the layer bans plus the test-support ban; tests the layer bans.
  ...[{ dir: '**', patterns: [] }, ...layers].flatMap(({ dir, patterns, sourceOnly = [] }) => [
    {
      files: [`${dir}/**/*.ts`, `${dir}/**/*.js`],
      rules: {
        'no-restricted-imports': [
          'error',
          { patterns: [...deepImports, ...patterns, ...sourceOnly, ...testingBan] },
        ],
      },
    },
    {
      files: [`${dir}/**/*.test.ts`, `${dir}/test/**/*.ts`, `${dir}/bench/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns: [...deepImports, ...patterns] }] },
    },
  ]),
  {
    // raft-core is pure (STYLE.md §7): no clocks, timers, global randomness or process state,
    // and no asynchrony of any kind. src/testing follows the same rules; only tests do IO.
    files: ['packages/raft-core/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        'Date',
        'performance',
        'setTimeout',
        'setInterval',
        'setImmediate',
        'queueMicrotask',
        'process',
        'console',
        'crypto',
        'Promise',
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Inject randomness through config.random.' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an as-const object and a union type.' },
        { selector: ':function[async=true]', message: 'raft-core is synchronous.' },
        { selector: 'AwaitExpression', message: 'raft-core is synchronous.' },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', '**/bench/**/*.ts'],
    rules: {
      'max-lines-per-function': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.config.ts'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } },
  },
);
