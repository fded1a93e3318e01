#!/usr/bin/env node
// The `arc` command. ARC's source is TypeScript; tsx's loader lets the installed package run it
// directly, so there is no build step between `npm install` and `npm start`. The loader is given
// ARC's own tsconfig.json, whatever the working directory: the web inbox's .tsx files compile with
// Hono's JSX runtime (jsxImportSource) only with it.
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { register } from "tsx/esm/api";

// Garbage is let grow to 1.5× what survived the last full collection, not V8's default of up to 4×:
// a run's process keeps ≈ 50 MB alive between accounts yet sat at 365–390 MiB RSS, now 240–280, for
// ≈ 1% more time in collection (docs/performance.md). `node --heap-growing-percent=N bin/arc.js …`
// chooses otherwise.
if (!process.execArgv.some((flag) => flag.startsWith("--heap-growing-percent"))) {
  setFlagsFromString("--heap-growing-percent=50");
}

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { main } = await import("../server/cli/main.ts");
await main(process.argv);
