import { defineConfig } from 'vitest/config';

// Not part of `npm test`: each file starts a whole stack of its own and injects real faults
// (PostgreSQL is stopped for everyone on this machine), so files run one at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.fault.test.ts'],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
