// `arc serve`: the HTTP API (REST under /api, /openapi.json, /docs, /healthz, /metrics) and the web
// inbox (/) until Ctrl-C.
import type { Command } from "commander";
import { listApiKeys } from "../api-keys.ts";
import type { Arc } from "../context.ts";
import { openArc } from "../context.ts";
import { deliverySetup, startDispatcher } from "../delivery.ts";
import { serveApi } from "../http.ts";
import { nightlyScheduleFromEnv, startNightlySchedule } from "../scheduler.ts";
import { untilStopped } from "./signals.ts";

export const DEFAULT_PORT = 3000;
export const DEFAULT_HOST = "127.0.0.1";

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("Serve the HTTP API (REST, OpenAPI, docs, health, metrics) and the web inbox until stopped")
    .option("--port <port>", "TCP port (0 picks a free one)", String(DEFAULT_PORT))
    .option("--host <host>", "address to listen on (0.0.0.0 for every interface)", DEFAULT_HOST)
    .action(async (options: { port: string; host: string }) => {
      const port = parsePort(options.port);
      const arc = await openArc();
      try {
        const keys = await listApiKeys(arc.database.db);
        if (!keys.some((key) => !key.revokedAt)) {
          console.error("No API key is active: create one with `arc keys create --role admin`.");
        }
        await serveUntilStopped(arc, { port, host: options.host });
      } finally {
        await arc.close();
      }
    });
}

/** Serves the API on the already open ARC instance and returns once a signal stopped it. */
export async function serveUntilStopped(arc: Arc, options: { port: number; host: string }): Promise<void> {
  const nightly = nightlyScheduleFromEnv(process.env);
  const server = await serveApi(arc, options);
  // The outbox is drained while the server runs; links in emails point at ARC_PUBLIC_URL or here.
  const setup = deliverySetup(process.env, server.url);
  const dispatcher = startDispatcher(arc, setup, {
    intervalMs: dispatchInterval(process.env.ARC_DISPATCH_INTERVAL_MS),
    onPass: (summary) => {
      if (Object.values(summary).some((n) => n > 0))
        server.api.logger.info({ outbox: summary }, "outbox drained");
    },
    onError: (error) => server.api.logger.error({ err: error }, "outbox pass failed"),
  });
  const schedule = nightly ? startNightlySchedule(nightly, server.api.runs, server.api.logger) : null;
  console.error(
    `ARC API listening on ${server.url} (web inbox: ${server.url}/, reference: ${server.url}/docs). ` +
      `Outbox: email via ${setup.delivery.email.describe}, SMS via ${setup.delivery.sms.describe}. ` +
      `Nightly run: ${schedule ? `next at ${schedule.next()?.toISOString()} (${nightly!.timezone})` : "off"}. Ctrl-C stops it.`,
  );
  const signal = await untilStopped();
  server.api.logger.info({ signal }, "stopping: runs finish the accounts in hand, the outbox its batch");
  schedule?.stop();
  await Promise.all([server.api.runs.drain(), dispatcher.stop()]);
  await server.close();
}

function dispatchInterval(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return 10_000;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 100) {
    throw new Error(
      `ARC_DISPATCH_INTERVAL_MS: expected a whole number of milliseconds, at least 100, got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be a whole number from 0 to 65535, not "${text}"`);
  return port;
}
