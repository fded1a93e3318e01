// `arc dispatch`: drain the outbox once — every email and SMS that is due goes out through SMTP /
// the SMS provider, or into the local mailbox folder when none is configured — and print what happened.
import type { Command } from "commander";
import { openArc } from "../context.ts";
import { deliverySetup, drainOutbox } from "../delivery.ts";
import { DEFAULT_HOST, DEFAULT_PORT } from "./serve.ts";

export function registerDispatchCommand(program: Command): void {
  program
    .command("dispatch")
    .description(
      "Send what is due in the outbox once (SMTP_URL / ARC_SMS_URL, else the local mailbox folder)",
    )
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const setup = deliverySetup(process.env, `http://${DEFAULT_HOST}:${DEFAULT_PORT}`);
      const arc = await openArc();
      try {
        const summary = await drainOutbox(arc, setup);
        if (options.json) {
          console.log(JSON.stringify(summary, null, 2));
          return;
        }
        console.log(
          `Email via ${setup.delivery.email.describe}; SMS via ${setup.delivery.sms.describe}.\n` +
            `Sent ${summary.sent}, held ${summary.held}, cancelled ${summary.cancelled}, retrying ${summary.retrying}, failed ${summary.failed}, unconfirmed ${summary.unconfirmed}, resumed ${summary.resumed}.`,
        );
      } finally {
        await Promise.all([setup.delivery.email.close(), setup.delivery.sms.close()]);
        await arc.close();
      }
    });
}
