import { defineConfig } from 'vitest/config';

// Two projects: fast pure unit tests (parallel), and interop tests that drive
// real BGP daemons in network namespaces (root, one file at a time).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'scripts/**/*.test.ts'],
          testTimeout: 60_000,
          globalSetup: ['test/build-dist.global-setup.ts'],
        },
      },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          globalSetup: ['test/build-dist.global-setup.ts'],
          fileParallelism: false,
          pool: 'forks',
        },
      },
    ],
  },
});
