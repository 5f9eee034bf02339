/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // Type-checking is `tsc --noEmit` in `npm test`; here files are only transpiled, which is much faster.
  transform: {
    // .tsx: the console's word files import its i18n module, which tests/words.test.ts loads.
    '^.+\\.tsx?$': [
      'ts-jest',
      { tsconfig: { module: 'commonjs', moduleResolution: 'node', isolatedModules: true, jsx: 'react-jsx' } },
    ],
  },
  globalSetup: '<rootDir>/tests/global-setup.ts',
  globalTeardown: '<rootDir>/tests/global-teardown.ts',
  testTimeout: 30000,
  // Each file has its own database, so files run side by side: on CI's two cores, two at a time.
  maxWorkers: 2,
};
