// A Twilio-compatible SMS API on loopback (node:http) for the outbox transports' tests:
//   POST /2010-04-01/Accounts/{sid}/Messages.json, Basic auth sid:token, form To, From, Body
//   → 201 { sid: "SM…", status: "queued", … }
// It honours Idempotency-Key (the same key answers with the first message's sid and is not counted
// again), records every request and every accepted message, and lets a test script the next
// answers (`failNext`) or leave the next request unanswered (`stallNext`, for timeouts).
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProviderMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string;
  body: string;
  idempotencyKey: string | null;
}

export interface ProviderRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The decoded form body. */
  form: Record<string, string>;
  /** The user and password of the Basic authorization, or null. */
  auth: { user: string; password: string } | null;
  /** What the provider answered. */
  status: number;
}

export interface SmsProvider {
  /** Base URL, e.g. http://127.0.0.1:40123 (what ARC_SMS_URL holds). */
  url: string;
  accountSid: string;
  authToken: string;
  messages: ProviderMessage[];
  requests: ProviderRequest[];
  /** Answer the next request with this status, JSON (or text) body and headers, sending nothing. */
  failNext(status: number, body: unknown, headers?: Record<string, string>): void;
  /** Leave the next request without an answer (until close). */
  stallNext(): void;
  close(): Promise<void>;
}

export interface SmsProviderOptions {
  accountSid?: string;
  authToken?: string;
}

type Scripted = { status: number; body: unknown; headers: Record<string, string> } | "stall";

export async function startSmsProvider(options: SmsProviderOptions = {}): Promise<SmsProvider> {
  const accountSid = options.accountSid ?? "ACtest0000000000000000000000000000";
  const authToken = options.authToken ?? "test-auth-token";
  const messages: ProviderMessage[] = [];
  const requests: ProviderRequest[] = [];
  const scripted: Scripted[] = [];
  const byKey = new Map<string, ProviderMessage>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });

  function handle(req: IncomingMessage, res: ServerResponse, text: string) {
    const path = (req.url ?? "/").split("?")[0]!;
    const form = Object.fromEntries(new URLSearchParams(text));
    const auth = basicAuth(req.headers.authorization);
    const record: ProviderRequest = {
      method: req.method ?? "",
      path,
      headers: req.headers,
      form,
      auth,
      status: 0,
    };
    requests.push(record);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      const payload = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(status, {
        "content-type": typeof body === "string" ? "text/plain" : "application/json",
        ...headers,
      });
      res.end(payload);
    };

    const next = scripted.shift();
    if (next === "stall") return;
    if (next) return reply(next.status, next.body, next.headers);

    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (!match) {
      return reply(404, {
        code: 20404,
        message: `The requested resource ${path} was not found`,
        status: 404,
      });
    }
    if (req.method !== "POST") return reply(405, { code: 20004, message: "Method not allowed", status: 405 });
    if (!auth || auth.user !== accountSid || auth.password !== authToken || match[1] !== accountSid) {
      return reply(401, { code: 20003, message: "Authenticate", status: 401 });
    }
    if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return reply(400, { code: 20001, message: "Expected a form body", status: 400 });
    }
    if (!form["To"])
      return reply(400, { code: 21604, message: "A 'To' phone number is required.", status: 400 });
    if (!form["From"])
      return reply(400, { code: 21603, message: "A 'From' phone number is required.", status: 400 });
    if (!form["Body"]) return reply(400, { code: 21602, message: "Message body is required.", status: 400 });

    const key = typeof req.headers["idempotency-key"] === "string" ? req.headers["idempotency-key"] : null;
    const earlier = key === null ? undefined : byKey.get(key);
    const message = earlier ?? {
      sid: `SM${randomBytes(16).toString("hex")}`,
      accountSid,
      to: form["To"],
      from: form["From"],
      body: form["Body"],
      idempotencyKey: key,
    };
    if (!earlier) {
      messages.push(message);
      if (key !== null) byKey.set(key, message);
    }
    reply(201, {
      sid: message.sid,
      account_sid: accountSid,
      to: message.to,
      from: message.from,
      body: message.body,
      status: "queued",
      num_segments: "1",
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}.json`,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    requests,
    failNext(status, body, headers = {}) {
      scripted.push({ status, body, headers });
    },
    stallNext() {
      scripted.push("stall");
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function basicAuth(header: string | undefined): { user: string; password: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? "");
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
