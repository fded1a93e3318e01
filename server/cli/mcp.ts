// `arc mcp`: ARC as an MCP server over stdio, for desktop AI assistants. The assistant's
// configuration passes an API key (ARC_API_KEY): its role decides what the assistant sees (viewer:
// read tools only; collector or admin: read tools and proposals, which always wait for approval).
// stdout carries the protocol only; everything ARC has to say goes to stderr.
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Command } from "commander";
import { authenticateApiKey } from "../api-keys.ts";
import { openArc } from "../context.ts";
import { mcpCaller } from "../mcp/http.ts";
import { createMcpServer } from "../mcp/server.ts";

export function registerMcpCommand(program: Command): void {
  program
    .command("mcp")
    .description(
      "Serve ARC to an AI assistant over MCP on stdio (read tools, proposals that wait for approval, resources, prompts); needs ARC_API_KEY",
    )
    .option("--key <key>", "API key (default: the ARC_API_KEY environment variable)")
    .action(async (options: { key?: string }) => {
      const presented = options.key ?? process.env.ARC_API_KEY;
      if (!presented) {
        console.error(
          "arc mcp: set ARC_API_KEY (or pass --key) to an API key; create one with `arc keys create --role collector`.",
        );
        process.exitCode = 1;
        return;
      }
      const arc = await openArc();
      const check = await authenticateApiKey(arc.database.db, presented);
      if (!check.ok) {
        console.error(`arc mcp: the API key is ${check.reason}.`);
        await arc.close();
        process.exitCode = 1;
        return;
      }
      const server = createMcpServer({ runner: () => arc.runner, caller: mcpCaller(check.key) });
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => {
        transport.onclose = () => resolve();
        process.stdin.once("end", () => resolve());
      });
      await server.connect(transport);
      console.error(`arc mcp: serving ${check.key.role} key ${check.key.prefix} over stdio`);
      await closed;
      await server.close();
      await arc.close();
    });
}
