// Mutation testing (`npm run mutate`): how many deliberate breaks of src/ the tests catch.
// Not part of `npm test`. Sized for a 2-core machine: the cpu backend only (the script sets
// ATELIER_TEST_BACKENDS=cpu), two workers, each mutant runs only the tests that cover it,
// and incremental mode reuses the last run's verdicts for code and tests that did not
// change, so a rerun after a small edit takes minutes. Reports land in reports/mutation/.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.config.ts' },
  plugins: ['@stryker-mutator/vitest-runner'],
  coverageAnalysis: 'perTest',
  // index.ts files only re-export.
  mutate: ['src/**/*.ts', '!src/**/index.ts'],
  ignorePatterns: ['dist', 'reports'],
  concurrency: 2,
  timeoutMS: 60_000,
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { reportMutants: false, reportTests: false },
  thresholds: { high: 80, low: 60, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
