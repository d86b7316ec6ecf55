import { defineConfig } from "vitest/config";

// Browser tests: one file at a time (2 cores; every test starts its own server on port 0).
// Two at once took 221 s instead of ~360 s, but the admin test of auto-away and removal
// (hours.test.ts) then failed 2 runs in 3 (an Edit button not found within 15 s); until that
// is understood, serial.
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
