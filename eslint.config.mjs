// ESLint with typescript-eslint's type-aware rules over the whole TypeScript tree (npm run lint; npm test runs it).
// recommendedTypeChecked catches floating promises and unsafe `any` flow; the few changes below say why.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-test/**', 'dist-test-e2e/**', '.tmp-tests/**', '.device-carry/**', 'node_modules/**', 'test-artifacts/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's describe/it/test return promises the runner itself awaits; every other promise must be handled.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      // Shapes print as `[${shape}]` (1,28,28) throughout the error messages; arrays of numbers read fine.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true, allowArray: true }],
      // Errors are rewritten on purpose into one line naming the file or field and the fix (the project's rule for
      // bad input); the original is not shown to users, so a `cause` chain adds nothing.
      'preserve-caught-error': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `op(...) as tf.Tensor2D` is TensorFlow.js's own idiom for an op's rank; the rule would have it written as
      // explicit type arguments (`op<tf.Rank.R2>(...)`). Other needless assertions are still reported.
      '@typescript-eslint/no-unnecessary-type-assertion': [
        'error',
        { typesToIgnore: ['tf.Tensor', 'tf.Scalar', 'tf.Tensor1D', 'tf.Tensor2D', 'tf.Tensor3D', 'tf.Tensor4D', 'tf.Tensor[]', 'tf.Tensor2D[]', 'tf.Tensor4D[]', 'Pixels'] },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Test callbacks are async by the runner's convention, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
    },
  },
);
