// The delivery transports the outbox dispatcher (dispatch.ts) hands messages to: email over SMTP or
// into a local mailbox folder, SMS over a Twilio-compatible HTTP API or into that mailbox folder.
//
// A transport never throws from send(): every outcome is a DeliveryResult. `permanent` means sending
// the same message again cannot succeed (a bounce, an invalid number); anything else, including a
// configuration problem such as rejected credentials, is transient so the message waits in the
// outbox until it is fixed. `idempotent` tells the dispatcher whether an interrupted attempt may be
// resent: true only where the same messageId / idempotencyKey cannot be delivered twice.
//
//   SMTP_URL set     → "smtp"        nodemailer, one pooled connection set        idempotent: false
//   SMTP_URL unset   → "mailbox"     <ARC_MAILBOX_DIR>/<Message-ID>.eml           idempotent: true
//   ARC_SMS_URL set  → "http-sms"    POST …/2010-04-01/Accounts/{SID}/Messages.json  ARC_SMS_IDEMPOTENT
//   ARC_SMS_URL unset→ "mailbox-sms" <ARC_MAILBOX_DIR>/sms/<idempotencyKey>.json  idempotent: true
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import addressparser from "nodemailer/lib/addressparser/index.js";
import { mailboxEmailTransport, mailboxSmsTransport } from "./mailbox.ts";
import { httpSmsTransport } from "./sms.ts";
import { redactSmtpUrl, smtpTransport } from "./smtp.ts";

export { mailboxEmailTransport, mailboxFileName, mailboxSmsTransport } from "./mailbox.ts";
export { type HttpSmsOptions, httpSmsTransport, retryAfterMs, smsOutcome } from "./sms.ts";
export { redactSmtpUrl, smtpOutcome, smtpTransport } from "./smtp.ts";

export interface OutboundEmail {
  /** RFC 5322 Message-ID without angle brackets, e.g. "3f2c…@arc.example.com"; the same for every attempt. */
  messageId: string;
  from: string; // "ARC Collections <ar@example.com>" or a bare address
  to: string; // bare address
  toName?: string;
  subject: string;
  text: string; // plain text body
  /** Extra headers, e.g. List-Unsubscribe, List-Unsubscribe-Post. */
  headers: Record<string, string>;
}

export interface OutboundSms {
  to: string; // E.164 or as stored
  body: string;
  /** Same for every attempt of one message: a provider that honours it never sends twice. */
  idempotencyKey: string;
}

export type DeliveryResult =
  | { ok: true; providerMessageId: string }
  | { ok: false; permanent: boolean; error: string; retryAfterMs?: number };

export interface Transport<M> {
  /** "smtp" | "mailbox" | "http-sms" | "mailbox-sms" */
  readonly kind: string;
  /** True when sending the same message again (same messageId / idempotencyKey) cannot deliver it twice. */
  readonly idempotent: boolean;
  /** A short description for logs and `arc dispatch` output, e.g. "SMTP smtp://mail.example.com:587" (never the password). */
  readonly describe: string;
  send(message: M): Promise<DeliveryResult>;
  close(): Promise<void>;
}

export type EmailTransport = Transport<OutboundEmail>;
export type SmsTransport = Transport<OutboundSms>;

export interface DeliveryConfig {
  email: EmailTransport;
  sms: SmsTransport;
  mailFrom: string;
}

export const DEFAULT_MAIL_FROM = "ARC Collections <ar@arc.invalid>";

/** A bad delivery setting; the message starts with the variable's name. */
export class DeliveryConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "DeliveryConfigError";
  }
}

/**
 * Reads SMTP_URL, ARC_MAIL_FROM, ARC_MAILBOX_DIR, ARC_SMS_URL, ARC_SMS_ACCOUNT_SID, ARC_SMS_AUTH_TOKEN,
 * ARC_SMS_FROM (and ARC_SMS_IDEMPOTENT); throws an Error naming the variable on a bad value.
 * Empty or blank values count as unset. Nothing is opened or created until the first send.
 */
export function deliveryFromEnv(env: Record<string, string | undefined>, dataDir: string): DeliveryConfig {
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : null;
  };

  const mailFrom = text("ARC_MAIL_FROM") ?? DEFAULT_MAIL_FROM;
  if (!isSingleAddress(mailFrom)) {
    throw new DeliveryConfigError(
      "ARC_MAIL_FROM",
      `expected one email address, e.g. "ARC Collections <ar@example.com>" or "ar@example.com", got ${JSON.stringify(mailFrom)}`,
    );
  }

  const mailboxDir = resolve(text("ARC_MAILBOX_DIR") ?? join(dataDir, "mailbox"));
  const existing = statSync(mailboxDir, { throwIfNoEntry: false });
  if (existing && !existing.isDirectory()) {
    throw new DeliveryConfigError(
      "ARC_MAILBOX_DIR",
      `${JSON.stringify(mailboxDir)} exists and is not a folder`,
    );
  }

  const smtpUrl = text("SMTP_URL");
  let email: EmailTransport;
  if (smtpUrl === null) {
    email = mailboxEmailTransport(mailboxDir);
  } else {
    checkSmtpUrl(smtpUrl);
    email = smtpTransport(smtpUrl);
  }

  const idempotentRaw = text("ARC_SMS_IDEMPOTENT");
  if (idempotentRaw !== null && idempotentRaw !== "true" && idempotentRaw !== "false") {
    throw new DeliveryConfigError(
      "ARC_SMS_IDEMPOTENT",
      `expected "true" or "false", got ${JSON.stringify(idempotentRaw)}`,
    );
  }
  const smsUrl = text("ARC_SMS_URL");
  let sms: SmsTransport;
  if (smsUrl === null) {
    // Credentials without a URL are a half-finished setup: writing the texts to a folder instead of
    // sending them would go unnoticed, so say what is missing.
    for (const name of ["ARC_SMS_ACCOUNT_SID", "ARC_SMS_AUTH_TOKEN", "ARC_SMS_FROM"]) {
      if (text(name) !== null) {
        throw new DeliveryConfigError(
          "ARC_SMS_URL",
          `not set while ${name} is; set the provider's API base, e.g. ARC_SMS_URL=https://api.twilio.com`,
        );
      }
    }
    sms = mailboxSmsTransport(join(mailboxDir, "sms"));
  } else {
    let parsed: URL | null = null;
    try {
      parsed = new URL(smsUrl);
    } catch {
      parsed = null;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:") || !parsed.hostname) {
      throw new DeliveryConfigError(
        "ARC_SMS_URL",
        `expected an http(s) URL such as https://api.twilio.com, got ${JSON.stringify(redactUrl(smsUrl))}`,
      );
    }
    if (parsed.username || parsed.password) {
      throw new DeliveryConfigError(
        "ARC_SMS_URL",
        "must not carry credentials; set ARC_SMS_ACCOUNT_SID and ARC_SMS_AUTH_TOKEN instead",
      );
    }
    const required = (name: string, what: string) => {
      const value = text(name);
      if (value === null) throw new DeliveryConfigError(name, `required when ARC_SMS_URL is set (${what})`);
      return value;
    };
    const accountSid = required("ARC_SMS_ACCOUNT_SID", "the provider account SID");
    if (!/^[A-Za-z0-9_-]+$/.test(accountSid)) {
      throw new DeliveryConfigError(
        "ARC_SMS_ACCOUNT_SID",
        `expected letters, digits, "_" or "-" (e.g. AC0123…), got ${JSON.stringify(accountSid)}`,
      );
    }
    const authToken = required("ARC_SMS_AUTH_TOKEN", "the provider auth token");
    const from = required("ARC_SMS_FROM", "the sending number in E.164, e.g. +15550100000");
    sms = httpSmsTransport({
      url: smsUrl,
      accountSid,
      authToken,
      from,
      idempotent: idempotentRaw === "true",
    });
  }

  return { email, sms, mailFrom };
}

function checkSmtpUrl(value: string): void {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    url = null;
  }
  const shown = JSON.stringify(redactUrl(value));
  if (!url || (url.protocol !== "smtp:" && url.protocol !== "smtps:")) {
    throw new DeliveryConfigError(
      "SMTP_URL",
      `expected smtp://user:pass@host:port (STARTTLS when offered) or smtps://… (implicit TLS), got ${shown}`,
    );
  }
  if (!url.hostname) throw new DeliveryConfigError("SMTP_URL", `has no host: ${shown}`);
  if (url.password && !url.username) {
    throw new DeliveryConfigError("SMTP_URL", `has a password but no user name: ${shown}`);
  }
}

/** The URL for an error message: the password replaced, and never the raw text if it does not parse. */
function redactUrl(value: string): string {
  const redacted = redactSmtpUrl(value);
  if (redacted !== null) return redacted;
  // Unparseable: drop anything that looks like credentials before an "@".
  return value.replace(/\/\/[^/@]*@/, "//***@");
}

function isSingleAddress(value: string): boolean {
  const parsed = addressparser(value, { flatten: true });
  if (parsed.length !== 1) return false;
  const address = parsed[0]!.address ?? "";
  return /^[^\s@<>]+@[^\s@<>]+$/.test(address);
}
