// The payer identification thread's entry (payer-identification.ts). ARC runs from TypeScript
// through tsx's loader, which a worker thread does not inherit: register it, with ARC's tsconfig
// as bin/arc.js does, then load the thread's code.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
await import("./payer-identification-thread.ts");
