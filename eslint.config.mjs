import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.package/**',
      'node_modules/**',
      'coverage/**',
      '*.js',
      '*.mjs',
      'scripts/*.mjs',
      'test/infra/schema/*.mjs',
      '.stryker-tmp/**',
      'reports/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.test.json', './tsconfig.viewer.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Function handlers are async by contract even when a given one awaits nothing.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
