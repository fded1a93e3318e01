// Inbound replies: an email (raw RFC 822, as message/rfc822 or inside JSON) or an SMS (JSON, the
// shape a provider webhook adapter posts), classified and applied through the tools as
// `arc inbound FILE` does (server/inbound.ts).
import { z } from "zod";
import { ToolInputError } from "../../tools/errors.ts";
import { handleInbound, inboundInput, MAX_INBOUND_EMAIL_BYTES } from "../inbound.ts";
import type { ApiDeps } from "./deps.ts";
import { invalidInput } from "./errors.ts";
import { defineRoute, type RouteSpec } from "./route.ts";

export function inboundRoutes(deps: ApiDeps): RouteSpec[] {
  return [
    defineRoute({
      method: "post",
      path: "/api/inbound",
      operationId: "receiveInboundReply",
      summary: "Receive a customer's reply (email or SMS)",
      description:
        "The reply is matched to a customer (the sender's address or number among the contacts, else an invoice " +
        "or account number in the text), classified — promise_to_pay, dispute, already_paid, invoice_copy_request, " +
        "out_of_office, opt_out, hardship, wrong_contact or other — by the configured brain (the rules classifier " +
        "offline or when the model fails), stored, and applied through the tools: a promise recorded, a dispute " +
        "opened, consent revoked on that channel, outreach paused, a task for a person, an invoice copy sent; each " +
        'judged by the policy. Send an email as `message/rfc822`, or JSON `{ channel: "email", raw }` or ' +
        '`{ channel: "sms", from, body, receivedAt?, id? }`. `?dryRun=true` classifies and changes nothing. ' +
        "The same message (Message-ID or SMS id) posted again is applied once.",
      tag: "inbound",
      permission: "import",
      query: z.strictObject({
        dryRun: z.boolean().default(false).describe("Classify only; nothing is written."),
      }),
      body: inboundInput,
      bodyContentTypes: ["application/json", "message/rfc822"],
      readBody: (_c, raw) => ({ channel: "email", raw: new TextDecoder().decode(raw) }),
      bodyDocs: { "message/rfc822": { type: "string", contentMediaType: "message/rfc822" } },
      maxBodyBytes: MAX_INBOUND_EMAIL_BYTES + 1024 * 1024,
      responses: {
        200: { description: "A dry run's classification, or a reply already applied (replayed)" },
        201: { description: "Applied: the classification, the stored message and each tool call's outcome" },
      },
      errors: [400, 413, 415],
      example: {
        body: {
          channel: "sms",
          from: "+1 415 555 0100",
          body: "We will pay INV-1001 on Friday",
          receivedAt: "2026-03-10T15:04:00Z",
          id: "SM0001",
        },
      },
      handle: async (c, { query, body, caller }) => {
        try {
          const result = await handleInbound(deps.arc, body, { dryRun: query.dryRun, submittedBy: caller });
          if (query.dryRun) return c.json(result, 200);
          const replayed = result.actions.length > 0 && result.actions.every((a) => a.replayed);
          return c.json(result, replayed ? 200 : 201);
        } catch (error) {
          if (error instanceof ToolInputError) throw invalidInput(error.issues, "body");
          throw error;
        }
      },
    }),
  ];
}
