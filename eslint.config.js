// typescript-eslint's type-checked rules, as the NestJS starter sets them up; formatting is Prettier's.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'node_modules/',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      'packages/*/dist/',
      'packages/client/src/generated/',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // The NestJS starter's relaxations. Raw SQL rows arrive untyped and only the mappers read them,
    // so the no-unsafe family warns rather than fails.
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-floating-promises': 'warn',
      '@typescript-eslint/no-unsafe-argument': 'warn',
      '@typescript-eslint/no-unsafe-assignment': 'warn',
      '@typescript-eslint/no-unsafe-member-access': 'warn',
      '@typescript-eslint/no-unsafe-call': 'warn',
      '@typescript-eslint/no-unsafe-return': 'warn',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One writer of the sessions table: its repository and that folder's *.sql.ts statement files.
    files: ['src/**/*.ts'],
    ignores: ['src/sessions/sessions.repository.ts', 'src/sessions/*.sql.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['Literal[value', 'TemplateElement[value.raw'].map((node) => ({
          selector: `${node}=/\\b(UPDATE|INSERT\\s+INTO|DELETE\\s+FROM)\\s+sessions\\b/i]`,
          message: 'Only src/sessions/sessions.repository.ts and src/sessions/*.sql.ts write the sessions table (docs/layout.md).',
        })),
      ],
    },
  },
  {
    // Response bodies in tests are `any` by design (supertest); the assertions type them.
    files: ['test/**', 'bench/**', 'faults/**', '**/*.spec.ts', 'packages/*/test/**'],
    rules: {
      // Fakes and stand-ins implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
