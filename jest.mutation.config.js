/**
 * Jest for `npm run test:mutation` (StrykerJS): the unit tests only, and ts-jest without type checking
 * (a mutant that does not type-check would otherwise count as killed by the compiler, not by a test).
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/unit'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: false }] },
};
