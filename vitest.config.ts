import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each file opens its own database (test/support/db.ts) in a forked worker process. Workers are
    // reused across files (isolate: false): a file's imports — LangGraph, drizzle, the tools — load
    // once per worker rather than once per file, which was ~3 minutes of every run. Test files keep
    // no module-level state that another file could see (no mocks, no globals, no env writes).
    pool: "forks",
    isolate: false,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ["test/support/global-setup.ts"],
  },
});
