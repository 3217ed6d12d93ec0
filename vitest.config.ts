import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    // Integration tests share a 2-core machine with PostgreSQL and Redis: keep parallelism modest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for what a page or the gateway does next; its default second is too short
    // on this loaded 2-core machine (a dashboard test failed once with the whole console suite running).
    expect: { poll: { timeout: 10_000 } },
  },
});
