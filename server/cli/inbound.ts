// `arc inbound FILE`: a customer's reply — an email as received (.eml, RFC 822) or an SMS as JSON
// ({ "channel": "sms", "from", "body", "receivedAt"?, "id"? }) — matched, classified and applied
// through the tools, as POST /api/inbound does. `--dry-run --json` prints only the classification.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { ToolInputError } from "../../tools/errors.ts";
import { openArc } from "../context.ts";
import { handleInbound, type InboundInput, inboundInput } from "../inbound.ts";
import { CLI_CALLER } from "./tools.ts";

interface InboundOptions {
  channel?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerInboundCommand(program: Command): void {
  program
    .command("inbound")
    .description(
      "Classify a customer's reply (an .eml email, or an SMS as JSON) and apply it: promise, dispute, opt-out, pause, task…",
    )
    .argument("<file>", "the reply: an RFC 822 email (.eml) or a JSON document")
    .option(
      "--channel <channel>",
      "email or sms; by default .json files are read as JSON, anything else as an email",
    )
    .option("--dry-run", "classify only and change nothing")
    .option("--json", "print JSON")
    .action(async (file: string, options: InboundOptions) => {
      const input = readInbound(resolve(file), options.channel);
      const arc = await openArc();
      try {
        const result = await handleInbound(arc, input, {
          dryRun: Boolean(options.dryRun),
          submittedBy: CLI_CALLER,
        });
        if (options.json) {
          const { customer_id, category, confidence, fields } = result;
          console.log(
            JSON.stringify(options.dryRun ? { customer_id, category, confidence, fields } : result, null, 2),
          );
          return;
        }
        console.log(
          `${result.category} (confidence ${result.confidence.toFixed(2)}, ${result.classifier}${result.fallback ? `; ${result.fallback}` : ""})`,
        );
        console.log(
          result.customer_id
            ? `customer ${result.customer_id}, matched by ${result.matched_by}`
            : "no customer matched",
        );
        const stated = Object.entries(result.fields).filter(([name]) => name !== "evidence");
        if (stated.length)
          console.log(`stated: ${stated.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ")}`);
        if (options.dryRun) {
          console.log("dry run: nothing was changed");
          return;
        }
        for (const a of result.actions) {
          const reasons = (a.reasons ?? []).map((r) => r.ruleId).join(", ");
          console.log(
            `  ${a.status.padEnd(16)} ${a.tool.padEnd(24)} ${a.why}${reasons ? ` [${reasons}]` : ""}${a.error ? ` (${a.error})` : ""}${a.replayed ? " (already done)" : ""}`,
          );
        }
      } catch (error) {
        if (error instanceof ToolInputError) throw new Error(`${file}: ${error.message}`);
        throw error;
      } finally {
        await arc.close();
      }
    });
}

function readInbound(path: string, channel: string | undefined): InboundInput {
  if (channel !== undefined && channel !== "email" && channel !== "sms") {
    throw new Error(`--channel must be email or sms, not "${channel}"`);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  const asJson = channel === "sms" || (channel === undefined && path.toLowerCase().endsWith(".json"));
  if (!asJson) return { channel: "email", raw: text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`);
  }
  const parsed = inboundInput.safeParse(
    channel === "sms" && value && typeof value === "object" ? { channel: "sms", ...value } : value,
  );
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`);
    throw new Error(`${path}: ${issues.join("; ")}`);
  }
  return parsed.data;
}
