import { defineConfig } from 'vitest/config';

// The test drives the built site (dist/) in headless Chromium.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 330_000 },
});
