import { defineConfig } from 'vitest/config';

/**
 * Files whose subject is a process: `npm start` and what survives its death, the CDK CLI, the
 * bundled function. They spend most of their time waiting on child processes, so they run in a
 * project of their own, beside the in-process files rather than after them.
 */
const PROCESS_TESTS = [
  'test/local/npm-start.test.ts',
  'test/local/crash-restart.test.ts',
  'test/local/crash-restart-restore-test.test.ts',
  'test/local/token-command.test.ts',
  'test/local/data-folder.test.ts',
  'test/infra/synth-cli.test.ts',
  'test/infra/bundle.test.ts',
  'test/cli/built-cli.test.ts',
  'test/console/npm-start-console.test.ts',
];

export default defineConfig({
  // Vitest's own cache (file durations for ordering) stays in this checkout.
  cacheDir: '.cache/vite',
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/slowest-files-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: one worker per core; the slowest files (by the last run) start first.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'in-process',
          include: ['test/**/*.test.ts'],
          exclude: PROCESS_TESTS,
          // One module graph per worker instead of one per file: importing the service (AWS SDK,
          // Hono, zod) again for each of forty files cost more than many of them take to run.
          // Files share no state but what they start and stop themselves.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'process',
          include: PROCESS_TESTS,
        },
      },
    ],
  },
});
