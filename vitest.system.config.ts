/**
 * System tests (`npm run test:system`): the real browser against the built site, and whatever
 * else needs a built artefact or a service (test/system/**). One file at a time: they start
 * servers and browsers on a 2-core machine. `npm test` (vitest.config.ts) leaves them out.
 */
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/system/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
