#!/usr/bin/env node
// The `arc` command. ARC's source is TypeScript; tsx's loader lets the installed package run it
// directly, so there is no build step between `npm install` and `npm start`. The loader is given
// ARC's own tsconfig.json, whatever the working directory: the web inbox's .tsx files compile with
// Hono's JSX runtime (jsxImportSource) only with it.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { main } = await import("../server/cli/main.ts");
await main(process.argv);
