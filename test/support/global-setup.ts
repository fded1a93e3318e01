// Once per test run: say which database the run targets (so a CI log shows it), and make sure the
// browser the web inbox's end-to-end tests drive is there. `npm test` must pass with no other setup,
// so on a Debian machine where we may (root, apt-get present) a missing Chromium is installed from
// Debian's own package; anywhere else the browser tests fail saying what to install.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = "/usr/bin/chromium";

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (!root || !existsSync("/usr/bin/apt-get")) {
    console.log(
      `Chromium is missing at ${CHROMIUM} and cannot be installed from here: the browser tests will fail`,
    );
    return;
  }
  console.log("Installing Debian's chromium for the web inbox's browser tests (apt-get install chromium)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  try {
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], {
      env,
      stdio: "inherit",
      timeout: 600_000,
    });
  } catch {
    // A fresh machine's package lists may be empty or stale: refresh them once and retry; if that
    // fails too, the browser tests fail with their own message and every other test still runs.
    try {
      execFileSync("apt-get", ["update", "-qq"], { env, stdio: "inherit", timeout: 600_000 });
      execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], {
        env,
        stdio: "inherit",
        timeout: 600_000,
      });
    } catch (error) {
      console.log(`Could not install chromium: ${(error as Error).message}`);
    }
  }
}

export default function setup(): void {
  const target = process.env.ARC_TEST_DATABASE_URL ? "PostgreSQL (ARC_TEST_DATABASE_URL)" : "embedded PGlite";
  console.log(`ARC tests run against ${target}`);
  ensureChromium();
}
