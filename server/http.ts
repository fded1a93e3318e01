// Serves the API over HTTP with @hono/node-server, for `arc serve` and `arc start`, until SIGINT or
// SIGTERM: then the listener closes and the database with it. A run still working is cut short; its
// rows stay "running", and the next run for its date resumes it.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type Api, createApi } from "./api/index.ts";
import type { Arc } from "./context.ts";

export interface ServeOptions {
  port: number;
  host: string;
}

export interface RunningServer {
  api: Api;
  url: string;
  close(): Promise<void>;
}

export async function serveApi(arc: Arc, options: ServeOptions): Promise<RunningServer> {
  const api = createApi(arc, { processMetrics: true });
  const server = serve({ fetch: api.app.fetch, port: options.port, hostname: options.host });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${options.port} on ${options.host} is in use; choose another with --port`)
          : error,
      ),
    );
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  api.logger.info({ url }, "listening");
  return {
    api,
    url,
    close: async () => {
      await api.mcp.closeAll();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Event streams and keep-alive sockets would hold close() open.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
