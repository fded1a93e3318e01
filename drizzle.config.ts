import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./db/migrations",
  // drizzle-kit only diffs the TypeScript schema against its snapshots; it never needs a live database.
  strict: true,
});
