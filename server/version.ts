// ARC's version, from package.json: what the OpenAPI document and the MCP server report.
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8")) as { version: string }
).version;
