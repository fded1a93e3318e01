// The inbox's browser tests' machinery: the real server in-process on a free port, and headless
// Chromium (Debian's package, driven by playwright-core) with a fresh profile.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import pino from "pino";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type Api, createApi } from "../../../server/api/index.ts";
import type { Arc } from "../../../server/context.ts";

export const CHROMIUM = "/usr/bin/chromium";
/** Where screenshots go (gitignored); CI keeps them as artifacts. */
export const ARTIFACTS = join(import.meta.dirname, "../../../test-artifacts");

export interface RunningInbox {
  url: string;
  api: Api;
  close(): Promise<void>;
}

/** The API app with the inbox, over HTTP on 127.0.0.1 and a free port, as `arc serve` serves it. */
export async function startServer(arc: Arc): Promise<RunningInbox> {
  const api = createApi(arc, { logger: pino({ level: "warn" }) });
  const server = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    api,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a profile of its own; a missing Chromium fails the test, saying what to install. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the web inbox's browser tests need Debian's chromium package ` +
        "(apt-get install -y chromium; .ci/run installs it when it is missing)",
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), "arc-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot (the window, or the whole page) under test-artifacts/ and prints where. */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: options.fullPage ?? false });
  console.log(`screenshot: ${path}`);
  return path;
}
