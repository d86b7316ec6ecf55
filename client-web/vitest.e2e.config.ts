import { defineConfig } from "vitest/config";

// Browser tests: two files at a time, each test with its own server on free ports. Most of a
// browser test is waiting (for pushes, idle timers, reconnects): two at once took 221 s for the
// 27 tests on the 2-core box, one at a time about 360 s (ctest runs this suite alone, RUN_SERIAL).
export default defineConfig({
  test: {
    include: ["tests/e2e/**/*.test.ts"],
    environment: "node",
    fileParallelism: true,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
