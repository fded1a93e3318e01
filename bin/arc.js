#!/usr/bin/env node
// The `arc` command. ARC's source is TypeScript; tsx's loader lets the installed package run it
// directly, so there is no build step between `npm install` and `npm start`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../server/cli/main.ts");
await main(process.argv);
