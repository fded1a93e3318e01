// The embedded default when no SMTP server or SMS provider is configured: messages become files in
// a mailbox folder (ARC_MAILBOX_DIR, default <ARC_DATA_DIR>/mailbox).
//
//   <mailbox>/<Message-ID>.eml          a complete RFC 5322 message built by nodemailer (open it in
//                                       any mail client): Message-ID, Date, From, To, Subject,
//                                       List-Unsubscribe …
//   <mailbox>/sms/<idempotencyKey>.json { to, body, idempotencyKey, writtenAt }
//
// One file per id, written to a temporary name in the same folder and renamed into place, so a
// reader never sees half a message and the same message written twice is one file (the first one
// is kept): both transports are idempotent.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import nodemailer from "nodemailer";
import { invalidEmail, mailOptions, stripBrackets } from "./smtp.ts";
import type {
  DeliveryResult,
  EmailTransport,
  OutboundEmail,
  OutboundSms,
  SmsTransport,
} from "./transports.ts";

export function mailboxEmailTransport(dir: string): EmailTransport {
  // nodemailer's stream transport composes the message exactly as its SMTP transport would send it.
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  return {
    kind: "mailbox",
    idempotent: true,
    describe: `mailbox ${dir}`,
    async send(message: OutboundEmail): Promise<DeliveryResult> {
      const invalid = invalidEmail(message);
      if (invalid) return { ok: false, permanent: true, error: invalid };
      const path = join(dir, `${mailboxFileName(stripBrackets(message.messageId))}.eml`);
      try {
        if (await exists(path)) return { ok: true, providerMessageId: path };
        const info = await composer.sendMail(mailOptions(message));
        await writeAtomically(path, info.message as Buffer);
        return { ok: true, providerMessageId: path };
      } catch (error) {
        return { ok: false, permanent: false, error: `mailbox ${dir}: ${errorText(error)}` };
      }
    },
    async close() {
      composer.close();
    },
  };
}

export function mailboxSmsTransport(dir: string): SmsTransport {
  return {
    kind: "mailbox-sms",
    idempotent: true,
    describe: `SMS mailbox ${dir}`,
    async send(message: OutboundSms): Promise<DeliveryResult> {
      if (!message.idempotencyKey)
        return { ok: false, permanent: true, error: "the SMS has no idempotency key" };
      if (!message.to.trim()) return { ok: false, permanent: true, error: "the SMS has no recipient" };
      const path = join(dir, `${mailboxFileName(message.idempotencyKey)}.json`);
      try {
        if (await exists(path)) return { ok: true, providerMessageId: path };
        const record = {
          to: message.to,
          body: message.body,
          idempotencyKey: message.idempotencyKey,
          writtenAt: new Date().toISOString(),
        };
        await writeAtomically(path, Buffer.from(`${JSON.stringify(record, null, 2)}\n`));
        return { ok: true, providerMessageId: path };
      } catch (error) {
        return { ok: false, permanent: false, error: `SMS mailbox ${dir}: ${errorText(error)}` };
      }
    },
    async close() {},
  };
}

/**
 * A file name (without extension) for an id: letters, digits and . _ - + = @ kept, every other byte
 * as %XX (so two ids never share a name), a leading "." escaped; ids too long for a file name
 * become "sha256-<hex>".
 */
export function mailboxFileName(id: string): string {
  const encoded = Array.from(new TextEncoder().encode(id))
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9._@+=-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    })
    .join("")
    .replace(/^\./, "%2E");
  if (encoded.length <= 200) return encoded;
  return `sha256-${createHash("sha256").update(id).digest("hex")}`;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

/** Writes to a hidden temporary file in the same folder, flushes it, then renames it into place. */
async function writeAtomically(path: string, content: Buffer): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${randomBytes(8).toString("hex")}.tmp`);
  try {
    const handle = await open(temporary, "wx");
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
