import { defineConfig } from 'vitest/config';

// One project per place the code runs. Each project's config sits next to its tests.
export default defineConfig({
  test: {
    projects: [
      'test/vitest.node.config.ts',
      'test/engine/vitest.workerd.config.ts',
      'test/workers/vitest.config.ts',
    ],
  },
});
