// Tells the run which database it targets, once, so a CI log shows it.
export default function setup(): void {
  const target = process.env.ARC_TEST_DATABASE_URL ? "PostgreSQL (ARC_TEST_DATABASE_URL)" : "embedded PGlite";
  console.log(`ARC tests run against ${target}`);
}
