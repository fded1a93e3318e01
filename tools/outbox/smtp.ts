// Email over SMTP with nodemailer. SMTP_URL is nodemailer's own connection URL:
//   smtp://user:pass@host:587   plain connection, upgraded with STARTTLS when the server offers it
//   smtps://user:pass@host:465  implicit TLS
// Its query sets further nodemailer options, parsed by nodemailer itself (lib/shared
// parseConnectionUrl): `?tls.rejectUnauthorized=false` accepts a self-signed certificate (tests, a
// relay on the same host), `?requireTLS=true` refuses to send without STARTTLS, `?pool=false` opens
// one connection per message, `?connectionTimeout=5000` and so on. User and password are
// percent-decoded ("p%40ss" is "p@ss").
//
// SMTP cannot deduplicate: a message handed over twice is delivered twice, so idempotent is false.
import nodemailer from "nodemailer";
import type Mail from "nodemailer/lib/mailer/index.js";
import * as shared from "nodemailer/lib/shared/index.js";
import type SMTPPool from "nodemailer/lib/smtp-pool/index.js";
import type { DeliveryResult, EmailTransport, OutboundEmail } from "./transports.ts";

/** Defaults the URL's query may override. nodemailer's own (2 min to connect, 10 min idle) suit an
 * interactive client; a dispatcher would rather fail the attempt and retry later. */
const DEFAULTS = {
  pool: true,
  maxConnections: 2,
  connectionTimeout: 30_000,
  greetingTimeout: 30_000,
  socketTimeout: 60_000,
  // The pool would otherwise requeue a message whose connection closed mid-send, forever and
  // possibly after the server took it: the dispatcher decides about retries, not nodemailer.
  maxRequeues: 0,
};

export function smtpTransport(url: string): EmailTransport {
  const options = { ...DEFAULTS, ...shared.parseConnectionUrl(url) } as SMTPPool.Options;
  const mailer = nodemailer.createTransport(options);
  let closed = false;
  return {
    kind: "smtp",
    idempotent: false,
    describe: `SMTP ${describeSmtpUrl(url)}`,
    async send(message: OutboundEmail): Promise<DeliveryResult> {
      if (closed) return { ok: false, permanent: false, error: "the SMTP transport is closed" };
      const invalid = invalidEmail(message);
      if (invalid) return { ok: false, permanent: true, error: invalid };
      try {
        const info = await mailer.sendMail(mailOptions(message));
        const rejected = (info as { rejectedErrors?: unknown[] }).rejectedErrors ?? [];
        if (rejected.length > 0) return smtpOutcome(rejected[0]);
        const id = typeof info.messageId === "string" ? stripBrackets(info.messageId) : "";
        return { ok: true, providerMessageId: id || stripBrackets(message.messageId) };
      } catch (error) {
        return smtpOutcome(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      mailer.close();
    },
  };
}

/** nodemailer's message options for one outbound email; shared with the mailbox transport. */
export function mailOptions(message: OutboundEmail): Mail.Options {
  return {
    messageId: `<${stripBrackets(message.messageId)}>`,
    from: message.from,
    to: message.toName ? { name: message.toName, address: message.to } : message.to,
    subject: message.subject,
    text: message.text,
    headers: message.headers,
  };
}

/** Why a message cannot be sent as it is (a permanent failure), or null. */
export function invalidEmail(message: OutboundEmail): string | null {
  const id = stripBrackets(message.messageId);
  if (!/^[^\s<>@]+@[^\s<>@]+$/.test(id)) {
    return `invalid Message-ID ${JSON.stringify(message.messageId)}: expected local@domain`;
  }
  if (!/^[^\s<>@,;]+@[^\s<>@,;]+$/.test(message.to)) {
    return `invalid recipient address ${JSON.stringify(message.to)}`;
  }
  for (const [name, value] of Object.entries(message.headers)) {
    // RFC 5322 field names: printable ASCII but ":"; values on one line (no header injection).
    if (!/^[!-9;-~]+$/.test(name)) return `invalid header name ${JSON.stringify(name)}`;
    if (/[\r\n]/.test(value)) return `header ${name} contains a line break`;
  }
  return null;
}

export function stripBrackets(messageId: string): string {
  return messageId.trim().replace(/^</, "").replace(/>$/, "");
}

/**
 * A nodemailer error as a delivery result: 5xx replies are permanent (the server's text kept), 4xx
 * replies, dropped connections, timeouts, TLS and DNS failures are transient, and so is a rejected
 * login (a configuration problem: the messages wait until it is fixed).
 */
export function smtpOutcome(error: unknown): DeliveryResult & { ok: false } {
  const e = (error ?? {}) as {
    code?: string;
    responseCode?: number;
    response?: string;
    command?: string;
    message?: string;
  };
  const reply = typeof e.response === "string" && e.response ? e.response.trim() : null;
  const at = e.command && e.command !== "API" && e.command !== "CONN" ? ` at ${e.command}` : "";
  const detail = reply ?? e.message ?? String(error);
  const code = typeof e.responseCode === "number" ? e.responseCode : null;
  if (e.code === "EAUTH" || code === 530 || code === 534 || code === 535 || code === 538) {
    return {
      ok: false,
      permanent: false,
      error: `SMTP authentication failed (check the user and password in SMTP_URL): ${detail}`,
    };
  }
  if (code !== null && code >= 500 && code < 600) {
    return { ok: false, permanent: true, error: `SMTP server refused the message${at}: ${detail}` };
  }
  if (code !== null && code >= 400 && code < 500) {
    return { ok: false, permanent: false, error: `SMTP server deferred the message${at}: ${detail}` };
  }
  if ((e.code === "EENVELOPE" || e.code === "EMESSAGE") && reply === null) {
    // Refused before any server said anything: a malformed address, a message over the size limit.
    return { ok: false, permanent: true, error: `SMTP message refused: ${e.message ?? detail}` };
  }
  const message = e.message ?? detail;
  const tls = e.code === "ETLS" || /certificate|self[- ]signed|\bTLS\b|\bSSL\b/i.test(message);
  const kind = tls ? "TLS failed" : e.code === "EDNS" ? "DNS lookup failed" : "connection failed";
  const hint = tls
    ? " (if the relay's certificate is self-signed on purpose, add ?tls.rejectUnauthorized=false to SMTP_URL)"
    : "";
  return {
    ok: false,
    permanent: false,
    error: `SMTP ${kind}${e.code ? ` (${e.code})` : ""}: ${message}${hint}`,
  };
}

/** "smtp://host:port", no credentials and no query. */
export function describeSmtpUrl(value: string): string {
  try {
    const url = new URL(value);
    const port = url.port || (url.protocol === "smtps:" ? "465" : "587");
    return `${url.protocol}//${url.hostname}:${port}`;
  } catch {
    return "(invalid SMTP_URL)";
  }
}

/** The URL with its password replaced by "***", or null when it does not parse. */
export function redactSmtpUrl(value: string): string | null {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return null;
  }
}
