import { defineConfig } from "vitest/config";

// Browser tests: one file at a time (2 cores; every test starts its own server).
export default defineConfig({
  test: {
    include: ["tests/e2e/**/*.test.ts"],
    environment: "node",
    fileParallelism: false,
    pool: "forks",
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
