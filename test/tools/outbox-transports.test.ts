// The outbox's delivery transports against real local servers: an SMTP server (smtp-server) and a
// Twilio-compatible HTTP API, plus the mailbox folder that stands in for both when neither is set.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_MAIL_FROM,
  type DeliveryConfig,
  DeliveryConfigError,
  deliveryFromEnv,
  type EmailTransport,
  httpSmsTransport,
  mailboxEmailTransport,
  mailboxFileName,
  mailboxSmsTransport,
  type OutboundEmail,
  type OutboundSms,
  retryAfterMs,
  smtpTransport,
} from "../../tools/outbox/transports.ts";
import { type SmsProvider, startSmsProvider } from "../support/sms-provider.ts";
import { closedPort, type SmtpSink, startSmtpSink } from "../support/smtp-sink.ts";

const UNSUBSCRIBE =
  "<mailto:unsubscribe@arc.example.com?subject=unsubscribe%20c1>, <https://arc.example.com/u/c1tok>";

function email(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  return {
    messageId: `${crypto.randomUUID()}@arc.example.com`,
    from: "ARC Collections <ar@arc.example.com>",
    to: "pat@customer.example",
    toName: "Pat Payer",
    subject: "Invoice INV-1001 is 14 days past due",
    text: "Hello Pat,\n\nInvoice INV-1001 for EUR 1,250.00 was due on 1 May.\n\nARC Collections\n",
    headers: { "List-Unsubscribe": UNSUBSCRIBE, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
    ...overrides,
  };
}

function sms(overrides: Partial<OutboundSms> = {}): OutboundSms {
  return {
    to: "+15550101234",
    body: "INV-1001 (EUR 1,250.00) is past due. Pay: https://arc.example.com/p/x Reply STOP to opt out",
    idempotencyKey: crypto.randomUUID(),
    ...overrides,
  };
}

const open: { close(): Promise<void> }[] = [];
/** Registers something to close after the test (transports before servers: last in, first out). */
function track<T extends { close(): Promise<void> }>(thing: T): T {
  open.push(thing);
  return thing;
}
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "arc-outbox-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});
const folder = () => join(scratch, crypto.randomUUID());

describe("SMTP transport", () => {
  let sink: SmtpSink;
  let transport: EmailTransport;
  beforeAll(async () => {
    sink = await startSmtpSink();
    transport = smtpTransport(sink.url);
  });
  afterAll(async () => {
    await transport.close();
    await sink.close();
  });
  afterEach(() => sink.clearRejections());

  it("delivers the message with its Message-ID, addresses, body and List-Unsubscribe headers", async () => {
    const message = email();
    const result = await transport.send(message);
    expect(result).toEqual({ ok: true, providerMessageId: message.messageId });

    const got = sink.received.find((m) => m.headers["message-id"] === `<${message.messageId}>`);
    expect(got).toBeDefined();
    expect(got!.envelope).toEqual({ from: "ar@arc.example.com", to: ["pat@customer.example"] });
    expect(got!.headers["list-unsubscribe"]).toBe(UNSUBSCRIBE);
    expect(got!.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
    expect(got!.headers["date"]).toMatch(/\d{4} \d\d:\d\d:\d\d/);
    expect(got!.parsed.messageId).toBe(`<${message.messageId}>`);
    expect(got!.parsed.subject).toBe(message.subject);
    expect(got!.parsed.text?.trim()).toBe(message.text.trim());
    expect(got!.parsed.from?.value).toEqual([{ name: "ARC Collections", address: "ar@arc.example.com" }]);
    const to = Array.isArray(got!.parsed.to) ? got!.parsed.to[0] : got!.parsed.to;
    expect(to?.value).toEqual([{ name: "Pat Payer", address: "pat@customer.example" }]);
    expect(transport).toMatchObject({ kind: "smtp", idempotent: false, describe: `SMTP ${sink.url}` });
  });

  it("sends several messages over the pooled connection, each once", async () => {
    const batch = [email(), email(), email()];
    const results = await Promise.all(batch.map((m) => transport.send(m)));
    expect(results.every((r) => r.ok)).toBe(true);
    for (const m of batch) {
      expect(sink.received.filter((r) => r.headers["message-id"] === `<${m.messageId}>`)).toHaveLength(1);
    }
  });

  it("550 at RCPT TO is permanent, with the server's text", async () => {
    sink.rejectRecipient("gone@customer.example", 550, "5.1.1 <gone@customer.example>: mailbox unavailable");
    const result = await transport.send(email({ to: "gone@customer.example" }));
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(result.ok === false && result.error).toMatch(/550.*mailbox unavailable/);
    expect(result.ok === false && result.retryAfterMs).toBeUndefined();
  });

  it("553 and 554 are permanent too", async () => {
    sink.rejectRecipient("bad@customer.example", 553, "5.1.3 mailbox name not allowed");
    expect(await transport.send(email({ to: "bad@customer.example" }))).toMatchObject({
      ok: false,
      permanent: true,
    });
    sink.failNextData(554, "5.7.1 message rejected as spam");
    const result = await transport.send(email());
    expect(result).toMatchObject({ ok: false, permanent: true });
    expect(result.ok === false && result.error).toMatch(/554.*rejected as spam/);
  });

  it("451 at RCPT TO and 452 after DATA are transient", async () => {
    sink.rejectRecipient("busy@customer.example", 451, "4.3.0 greylisted, try again later");
    const rcpt = await transport.send(email({ to: "busy@customer.example" }));
    expect(rcpt).toMatchObject({ ok: false, permanent: false });
    expect(rcpt.ok === false && rcpt.error).toMatch(/451.*greylisted/);
    expect(rcpt.ok === false && rcpt.retryAfterMs).toBeUndefined();

    sink.failNextData(452, "4.3.1 insufficient system storage");
    const data = await transport.send(email());
    expect(data).toMatchObject({ ok: false, permanent: false });
    expect(data.ok === false && data.error).toMatch(/452.*insufficient system storage/);

    // The same transport still delivers afterwards.
    expect(await transport.send(email())).toMatchObject({ ok: true });
  });

  it("refuses a malformed message without contacting the server (permanent)", async () => {
    const before = sink.received.length;
    expect(await transport.send(email({ to: "not an address" }))).toMatchObject({
      ok: false,
      permanent: true,
    });
    expect(await transport.send(email({ messageId: "no-at-sign" }))).toMatchObject({
      ok: false,
      permanent: true,
    });
    expect(
      await transport.send(email({ headers: { "X-Injected": "a\r\nBcc: victim@example.com" } })),
    ).toMatchObject({ ok: false, permanent: true });
    expect(sink.received.length).toBe(before);
  });
});

describe("SMTP transport: authentication, TLS and an unreachable server", () => {
  it("logs in with the user and password in the URL (percent-decoded), never describing the password", async () => {
    const sink = track(await startSmtpSink({ users: { "arc@relay": "s3cr:t@pw" } }));
    const transport = track(
      smtpTransport(
        `smtp://${encodeURIComponent("arc@relay")}:${encodeURIComponent("s3cr:t@pw")}@127.0.0.1:${sink.port}`,
      ),
    );
    expect(transport.describe).toBe(`SMTP smtp://127.0.0.1:${sink.port}`);
    expect(transport.describe).not.toContain("s3cr");
    const message = email();
    expect(await transport.send(message)).toEqual({ ok: true, providerMessageId: message.messageId });
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.user).toBe("arc@relay");
    expect(sink.logins).toEqual([expect.objectContaining({ username: "arc@relay", ok: true })]);
  });

  it("a rejected login is transient and says authentication failed", async () => {
    const sink = track(await startSmtpSink({ users: { arc: "right" } }));
    const transport = track(smtpTransport(`smtp://arc:wrong@127.0.0.1:${sink.port}`));
    const result = await transport.send(email());
    expect(result).toMatchObject({ ok: false, permanent: false });
    expect(result.ok === false && result.error).toMatch(/authentication failed/);
    expect(result.ok === false && result.error).not.toContain("wrong");
    expect(sink.received).toHaveLength(0);
  });

  it("no credentials where the server requires them (530) is transient, authentication failed", async () => {
    const sink = track(await startSmtpSink({ users: { arc: "right" } }));
    const transport = track(smtpTransport(sink.url));
    const result = await transport.send(email());
    expect(result).toMatchObject({ ok: false, permanent: false });
    expect(result.ok === false && result.error).toMatch(/authentication failed/);
  });

  it("STARTTLS is used when offered; a self-signed certificate needs ?tls.rejectUnauthorized=false", async () => {
    const sink = track(await startSmtpSink({ tls: "starttls" }));
    const strict = track(smtpTransport(sink.url));
    const refused = await strict.send(email());
    expect(refused).toMatchObject({ ok: false, permanent: false });
    expect(refused.ok === false && refused.error).toMatch(/TLS failed.*certificate/);
    expect(sink.received).toHaveLength(0);

    const relaxed = track(smtpTransport(`${sink.url}/?tls.rejectUnauthorized=false`));
    expect(relaxed.describe).toBe(`SMTP ${sink.url}`);
    expect(await relaxed.send(email())).toMatchObject({ ok: true });
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.secure).toBe(true);
  });

  it("smtps:// speaks TLS from the start", async () => {
    const sink = track(await startSmtpSink({ tls: "implicit" }));
    const transport = track(smtpTransport(`${sink.url}?tls.rejectUnauthorized=false`));
    expect(await transport.send(email())).toMatchObject({ ok: true });
    expect(sink.received[0]!.secure).toBe(true);
  });

  it("a server that is down (closed port) is transient", async () => {
    const port = await closedPort();
    const transport = track(smtpTransport(`smtp://127.0.0.1:${port}`));
    const result = await transport.send(email());
    expect(result).toMatchObject({ ok: false, permanent: false });
    expect(result.ok === false && result.error).toMatch(/ECONNREFUSED/);
    expect(result.ok === false && result.retryAfterMs).toBeUndefined();
  });

  it("after close() a send is transient, not a crash", async () => {
    const sink = track(await startSmtpSink());
    const transport = smtpTransport(sink.url);
    await transport.close();
    await transport.close();
    expect(await transport.send(email())).toMatchObject({ ok: false, permanent: false });
  });
});

describe("mailbox transport", () => {
  it("writes a real RFC 5322 message a mail client (mailparser) reads back", async () => {
    const dir = join(folder(), "not", "yet", "there");
    const transport = track(mailboxEmailTransport(dir));
    expect(transport).toMatchObject({ kind: "mailbox", idempotent: true, describe: `mailbox ${dir}` });
    const message = email();
    const result = await transport.send(message);
    const path = join(dir, `${message.messageId}.eml`);
    expect(result).toEqual({ ok: true, providerMessageId: path });

    const raw = await readFile(path);
    expect(raw.toString("latin1")).toContain("\r\n"); // CRLF line ends, as on the wire
    const parsed = await simpleParser(raw);
    expect(parsed.messageId).toBe(`<${message.messageId}>`);
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.text?.trim()).toBe(message.text.trim());
    expect(parsed.date).toBeInstanceOf(Date);
    expect(parsed.from?.value).toEqual([{ name: "ARC Collections", address: "ar@arc.example.com" }]);
    const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
    expect(to?.value).toEqual([{ name: "Pat Payer", address: "pat@customer.example" }]);
    const lines = new Map(parsed.headerLines.map((h) => [h.key, h.line]));
    expect(lines.get("list-unsubscribe")?.replace(/\r?\n(?=[ \t])/g, "")).toBe(
      `List-Unsubscribe: ${UNSUBSCRIBE}`,
    );
    expect(lines.get("list-unsubscribe-post")).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  });

  it("the same message written twice is one file, the first kept; no temporary files remain", async () => {
    const dir = folder();
    const transport = track(mailboxEmailTransport(dir));
    const message = email();
    const first = await transport.send(message);
    const content = await readFile(join(dir, `${message.messageId}.eml`), "utf8");
    const second = await transport.send({ ...message, subject: "changed" });
    expect(second).toEqual(first);
    expect(await readdir(dir)).toEqual([`${message.messageId}.eml`]);
    expect(await readFile(join(dir, `${message.messageId}.eml`), "utf8")).toBe(content);

    await transport.send(email());
    expect((await readdir(dir)).filter((f) => !f.endsWith(".eml"))).toEqual([]);
    expect(await readdir(dir)).toHaveLength(2);
  });

  it("concurrent writes of one message leave one complete file", async () => {
    const dir = folder();
    const transport = track(mailboxEmailTransport(dir));
    const message = email();
    const results = await Promise.all(Array.from({ length: 8 }, () => transport.send(message)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await readdir(dir)).toEqual([`${message.messageId}.eml`]);
    const parsed = await simpleParser(await readFile(join(dir, `${message.messageId}.eml`)));
    expect(parsed.messageId).toBe(`<${message.messageId}>`);
  });

  it("file names are safe and distinct for any id", () => {
    expect(mailboxFileName("3f2c-91@arc.example.com")).toBe("3f2c-91@arc.example.com");
    expect(mailboxFileName("a/b")).toBe("a%2Fb");
    expect(mailboxFileName("a_b")).toBe("a_b");
    expect(mailboxFileName("a%2Fb")).toBe("a%252Fb");
    expect(mailboxFileName("../etc/passwd")).toBe("%2E.%2Fetc%2Fpasswd");
    expect(mailboxFileName("outbox:sms:1")).toBe("outbox%3Asms%3A1");
    expect(mailboxFileName("x".repeat(300))).toMatch(/^sha256-[0-9a-f]{64}$/);
  });

  it("a mailbox folder that cannot be created is a transient failure", async () => {
    const file = join(scratch, `${crypto.randomUUID()}.txt`);
    await writeFile(file, "a file, not a folder");
    const transport = track(mailboxEmailTransport(join(file, "mailbox")));
    expect(await transport.send(email())).toMatchObject({ ok: false, permanent: false });
  });
});

describe("HTTP SMS transport (Twilio-compatible)", () => {
  let provider: SmsProvider;
  const transport = (idempotent = false, timeoutMs?: number) =>
    track(
      httpSmsTransport({
        url: `${provider.url}/`,
        accountSid: provider.accountSid,
        authToken: provider.authToken,
        from: "+15550100000",
        idempotent,
        ...(timeoutMs ? { timeoutMs } : {}),
      }),
    );
  beforeAll(async () => {
    provider = await startSmsProvider();
  });
  afterAll(async () => {
    await provider.close();
  });

  it("posts the form with Basic auth and the idempotency headers; the provider's sid comes back", async () => {
    const t = transport();
    expect(t).toMatchObject({ kind: "http-sms", idempotent: false });
    expect(t.describe).toContain(provider.url);
    expect(t.describe).not.toContain(provider.authToken);
    const message = sms();
    const result = await t.send(message);
    const stored = provider.messages.find((m) => m.idempotencyKey === message.idempotencyKey);
    expect(stored).toMatchObject({ to: message.to, from: "+15550100000", body: message.body });
    expect(result).toEqual({ ok: true, providerMessageId: stored!.sid });

    const request = provider.requests.at(-1)!;
    expect(request.method).toBe("POST");
    expect(request.path).toBe(`/2010-04-01/Accounts/${provider.accountSid}/Messages.json`);
    expect(request.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request.auth).toEqual({ user: provider.accountSid, password: provider.authToken });
    expect(request.form).toEqual({ To: message.to, From: "+15550100000", Body: message.body });
    expect(request.headers["idempotency-key"]).toBe(message.idempotencyKey);
    expect(request.headers["i-twilio-idempotency-token"]).toBe(message.idempotencyKey);
  });

  it("the same key twice is one message at the provider, with the same sid", async () => {
    const t = transport(true);
    const message = sms();
    const before = provider.requests.length;
    const first = await t.send(message);
    const second = await t.send(message);
    expect(first.ok).toBe(true);
    expect(second).toEqual(first);
    expect(provider.requests.length - before).toBe(2);
    expect(provider.messages.filter((m) => m.idempotencyKey === message.idempotencyKey)).toHaveLength(1);
  });

  it("400 with code 21211 (invalid number) and 21610 (unsubscribed) are permanent with the provider's message", async () => {
    const t = transport();
    provider.failNext(400, {
      code: 21211,
      message: "The 'To' number +1555 is not a valid phone number.",
      more_info: "https://www.twilio.com/docs/errors/21211",
      status: 400,
    });
    const invalid = await t.send(sms({ to: "+1555" }));
    expect(invalid).toMatchObject({ ok: false, permanent: true });
    expect(invalid.ok === false && invalid.error).toContain("code 21211");
    expect(invalid.ok === false && invalid.error).toContain(
      "The 'To' number +1555 is not a valid phone number.",
    );

    provider.failNext(400, {
      code: 21610,
      message: "Attempt to send to unsubscribed recipient",
      status: 400,
    });
    const stopped = await t.send(sms());
    expect(stopped).toMatchObject({ ok: false, permanent: true });
    expect(stopped.ok === false && stopped.error).toContain("unsubscribed recipient");

    provider.failNext(422, "unprocessable");
    expect(await t.send(sms())).toMatchObject({ ok: false, permanent: true });
  });

  it("429 is transient with Retry-After in milliseconds", async () => {
    const t = transport();
    provider.failNext(
      429,
      { code: 20429, message: "Too Many Requests", status: 429 },
      { "Retry-After": "7" },
    );
    const result = await t.send(sms());
    expect(result).toMatchObject({ ok: false, permanent: false, retryAfterMs: 7000 });
  });

  it("503 is transient, and the retry with the same key delivers once", async () => {
    const t = transport();
    const message = sms();
    provider.failNext(503, "Service Unavailable");
    const failed = await t.send(message);
    expect(failed).toMatchObject({ ok: false, permanent: false });
    expect(failed.ok === false && failed.retryAfterMs).toBeUndefined();
    expect(provider.messages.filter((m) => m.idempotencyKey === message.idempotencyKey)).toHaveLength(0);
    expect(await t.send(message)).toMatchObject({ ok: true });
    expect(provider.messages.filter((m) => m.idempotencyKey === message.idempotencyKey)).toHaveLength(1);
  });

  it("rejected credentials (401) are transient and say authentication failed", async () => {
    const t = track(
      httpSmsTransport({
        url: provider.url,
        accountSid: provider.accountSid,
        authToken: "wrong-token",
        from: "+15550100000",
        idempotent: false,
      }),
    );
    const result = await t.send(sms());
    expect(result).toMatchObject({ ok: false, permanent: false });
    expect(result.ok === false && result.error).toMatch(/authentication failed/);
    expect(result.ok === false && result.error).not.toContain("wrong-token");
  });

  it("a provider that does not answer in time is transient", async () => {
    provider.stallNext();
    const result = await transport(false, 300).send(sms());
    expect(result).toMatchObject({ ok: false, permanent: false });
    expect(result.ok === false && result.error).toMatch(/did not answer within 300 ms/);
  });

  it("a provider that is down (closed port) is transient", async () => {
    const t = track(
      httpSmsTransport({
        url: `http://127.0.0.1:${await closedPort()}`,
        accountSid: "ACx",
        authToken: "t",
        from: "+15550100000",
        idempotent: false,
      }),
    );
    const result = await t.send(sms());
    expect(result).toMatchObject({ ok: false, permanent: false });
    expect(result.ok === false && result.error).toMatch(/unreachable: ECONNREFUSED/);
  });

  it("Retry-After as seconds or an HTTP date", () => {
    const now = new Date("2025-05-01T12:00:00Z");
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs("Thu, 01 May 2025 12:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Thu, 01 May 2025 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe("SMS mailbox transport", () => {
  it("writes <dir>/<key>.json atomically, one file per key", async () => {
    const dir = join(folder(), "sms");
    const transport = track(mailboxSmsTransport(dir));
    expect(transport).toMatchObject({ kind: "mailbox-sms", idempotent: true });
    const message = sms();
    const result = await transport.send(message);
    const path = join(dir, `${message.idempotencyKey}.json`);
    expect(result).toEqual({ ok: true, providerMessageId: path });
    const stored = JSON.parse(await readFile(path, "utf8"));
    expect(stored).toEqual({
      to: message.to,
      body: message.body,
      idempotencyKey: message.idempotencyKey,
      writtenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(await transport.send({ ...message, body: "changed" })).toEqual(result);
    expect(await readdir(dir)).toEqual([`${message.idempotencyKey}.json`]);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual(stored);
  });
});

describe("deliveryFromEnv", () => {
  const configs: DeliveryConfig[] = [];
  afterEach(async () => {
    while (configs.length) {
      const config = configs.pop()!;
      await config.email.close();
      await config.sms.close();
    }
  });
  const load = (env: Record<string, string | undefined>, dataDir = join(scratch, "data")) => {
    const config = deliveryFromEnv(env, dataDir);
    configs.push(config);
    return config;
  };
  const failure = (env: Record<string, string | undefined>): Error => {
    try {
      load(env);
    } catch (error) {
      return error as Error;
    }
    throw new Error(`expected ${JSON.stringify(env)} to be refused`);
  };

  it("defaults: the mailbox under the data folder for both channels, the default sender", async () => {
    const dataDir = join(scratch, "data-defaults");
    const config = load({}, dataDir);
    expect(config.mailFrom).toBe(DEFAULT_MAIL_FROM);
    expect(config.mailFrom).toBe("ARC Collections <ar@arc.invalid>");
    expect(config.email).toMatchObject({
      kind: "mailbox",
      idempotent: true,
      describe: `mailbox ${join(dataDir, "mailbox")}`,
    });
    expect(config.sms).toMatchObject({ kind: "mailbox-sms", idempotent: true });
    expect(config.sms.describe).toBe(`SMS mailbox ${join(dataDir, "mailbox", "sms")}`);

    const message = email();
    expect(await config.email.send(message)).toEqual({
      ok: true,
      providerMessageId: join(dataDir, "mailbox", `${message.messageId}.eml`),
    });
    const text = sms();
    expect(await config.sms.send(text)).toEqual({
      ok: true,
      providerMessageId: join(dataDir, "mailbox", "sms", `${text.idempotencyKey}.json`),
    });
  });

  it("blank values count as unset; ARC_MAILBOX_DIR moves the mailbox", () => {
    const dir = folder();
    const config = load({ SMTP_URL: "  ", ARC_SMS_URL: "", ARC_MAIL_FROM: "", ARC_MAILBOX_DIR: dir });
    expect(config.email.describe).toBe(`mailbox ${dir}`);
    expect(config.sms.describe).toBe(`SMS mailbox ${join(dir, "sms")}`);
    expect(config.mailFrom).toBe(DEFAULT_MAIL_FROM);
  });

  it("SMTP_URL selects SMTP, described without the password", () => {
    const config = load({
      SMTP_URL: "smtps://ar%40example.com:hunter2@mail.example.com",
      ARC_MAIL_FROM: "ar@example.com",
    });
    expect(config.email).toMatchObject({
      kind: "smtp",
      idempotent: false,
      describe: "SMTP smtps://mail.example.com:465",
    });
    expect(config.mailFrom).toBe("ar@example.com");
    expect(load({ SMTP_URL: "smtp://mail.example.com" }).email.describe).toBe(
      "SMTP smtp://mail.example.com:587",
    );
  });

  it("ARC_SMS_URL selects the HTTP provider, idempotent only with ARC_SMS_IDEMPOTENT=true", () => {
    const env = {
      ARC_SMS_URL: "https://api.twilio.com",
      ARC_SMS_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef",
      ARC_SMS_AUTH_TOKEN: "tok",
      ARC_SMS_FROM: "+15550100000",
    };
    const plain = load(env);
    expect(plain.sms).toMatchObject({ kind: "http-sms", idempotent: false });
    expect(plain.sms.describe).toContain("https://api.twilio.com");
    expect(plain.sms.describe).not.toContain("tok");
    expect(load({ ...env, ARC_SMS_IDEMPOTENT: "true" }).sms.idempotent).toBe(true);
    expect(load({ ...env, ARC_SMS_IDEMPOTENT: "false" }).sms.idempotent).toBe(false);
  });

  it("every bad value is refused naming its variable, never echoing a password", async () => {
    const sms = {
      ARC_SMS_URL: "https://api.twilio.com",
      ARC_SMS_ACCOUNT_SID: "AC123",
      ARC_SMS_AUTH_TOKEN: "tok",
      ARC_SMS_FROM: "+15550100000",
    };
    const file = join(scratch, `${crypto.randomUUID()}.txt`);
    await writeFile(file, "not a folder");
    const cases: [Record<string, string>, string][] = [
      [{ SMTP_URL: "http://mail.example.com" }, "SMTP_URL"],
      [{ SMTP_URL: "mail.example.com:587" }, "SMTP_URL"],
      [{ SMTP_URL: "smtp://" }, "SMTP_URL"],
      [{ SMTP_URL: "smtp://user:pw@mail.example.com:99999" }, "SMTP_URL"],
      [{ SMTP_URL: "smtp://:pw@mail.example.com" }, "SMTP_URL"],
      [{ ARC_MAIL_FROM: "ARC Collections" }, "ARC_MAIL_FROM"],
      [{ ARC_MAIL_FROM: "a@example.com, b@example.com" }, "ARC_MAIL_FROM"],
      [{ ARC_MAIL_FROM: "ar@" }, "ARC_MAIL_FROM"],
      [{ ARC_MAILBOX_DIR: file }, "ARC_MAILBOX_DIR"],
      [{ ...sms, ARC_SMS_URL: "ftp://api.twilio.com" }, "ARC_SMS_URL"],
      [{ ...sms, ARC_SMS_URL: "api.twilio.com" }, "ARC_SMS_URL"],
      [{ ...sms, ARC_SMS_URL: "https://AC123:tok@api.twilio.com" }, "ARC_SMS_URL"],
      [{ ...sms, ARC_SMS_ACCOUNT_SID: "" }, "ARC_SMS_ACCOUNT_SID"],
      [{ ...sms, ARC_SMS_ACCOUNT_SID: "AC/../x" }, "ARC_SMS_ACCOUNT_SID"],
      [{ ...sms, ARC_SMS_AUTH_TOKEN: " " }, "ARC_SMS_AUTH_TOKEN"],
      [{ ...sms, ARC_SMS_FROM: "" }, "ARC_SMS_FROM"],
      [{ ...sms, ARC_SMS_IDEMPOTENT: "yes" }, "ARC_SMS_IDEMPOTENT"],
      [{ ARC_SMS_ACCOUNT_SID: "AC123", ARC_SMS_AUTH_TOKEN: "tok" }, "ARC_SMS_URL"],
    ];
    for (const [env, variable] of cases) {
      const error = failure(env);
      expect(error, JSON.stringify(env)).toBeInstanceOf(DeliveryConfigError);
      expect((error as DeliveryConfigError).variable, JSON.stringify(env)).toBe(variable);
      expect(error.message.startsWith(`${variable}: `), error.message).toBe(true);
      expect(error.message).not.toContain("pw@");
      expect(error.message).not.toContain(":tok");
    }
  });
});
