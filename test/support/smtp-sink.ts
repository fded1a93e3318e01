// A real SMTP server on loopback (the `smtp-server` package) for the outbox transports' tests: it
// accepts mail, records what arrived, and answers with scripted rejections.
//
//   const sink = await startSmtpSink();                       // no AUTH, no STARTTLS
//   const sink = await startSmtpSink({ users: { arc: "pw" } }); // AUTH PLAIN/LOGIN required
//   const sink = await startSmtpSink({ tls: "starttls" });    // STARTTLS with smtp-server's self-signed cert
//   const sink = await startSmtpSink({ tls: "implicit" });    // TLS from the first byte (smtps://)
//   sink.rejectRecipient("gone@example.com", 550, "5.1.1 mailbox unavailable");
//   sink.failNextData(451, "4.3.0 try again later");
import { type AddressInfo, createServer } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";

export interface ReceivedMail {
  envelope: { from: string | null; to: string[] };
  /** The message exactly as transmitted (CRLF line ends, dot-unstuffed). */
  raw: string;
  /** Header fields from `raw`, names lower-cased, folded lines joined; a repeated field keeps the last. */
  headers: Record<string, string>;
  parsed: ParsedMail;
  /** The user who logged in, or null. */
  user: string | null;
  /** True when the session ran over TLS (implicit or after STARTTLS). */
  secure: boolean;
}

export interface SmtpSinkOptions {
  /** Require AUTH PLAIN or LOGIN with one of these user → password pairs. */
  users?: Record<string, string>;
  /** Offer STARTTLS, or speak TLS from the start; smtp-server's built-in self-signed localhost cert. */
  tls?: "starttls" | "implicit";
}

export interface SmtpSink {
  host: string;
  port: number;
  /** smtp://127.0.0.1:port (smtps:// with tls: "implicit"), no credentials. */
  url: string;
  received: ReceivedMail[];
  /** Logins tried, successful or not. */
  logins: { method: string; username: string; ok: boolean }[];
  /** Answer RCPT TO for this address with the code (550, 451, …) until cleared. */
  rejectRecipient(address: string, code: number, message: string): void;
  clearRejections(): void;
  /** Answer the next message's end of DATA with this code. */
  failNextData(code: number, message: string): void;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const logins: SmtpSink["logins"] = [];
  const rejections = new Map<string, { code: number; message: string }>();
  const dataFailures: { code: number; message: string }[] = [];
  const users = options.users;
  const disabled = [...(users ? [] : ["AUTH"]), ...(options.tls === "starttls" ? [] : ["STARTTLS"])];

  const server = new SMTPServer({
    secure: options.tls === "implicit",
    disabledCommands: disabled,
    authMethods: ["PLAIN", "LOGIN"],
    authOptional: !users,
    allowInsecureAuth: true,
    logger: false,
    banner: "ARC test sink",
    closeTimeout: 200,
    onAuth(auth, _session, callback) {
      const ok =
        users !== undefined &&
        auth.username !== undefined &&
        Object.hasOwn(users, auth.username) &&
        users[auth.username] === auth.password;
      logins.push({ method: auth.method, username: auth.username ?? "", ok });
      if (!ok)
        return callback(smtpError(535, "5.7.8 Error: authentication failed: Invalid username or password"));
      callback(null, { user: auth.username });
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const rejection = rejections.get(address.address.toLowerCase());
      if (rejection) return callback(smtpError(rejection.code, rejection.message));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", (error: Error) => callback(error));
      stream.on("end", () => {
        const failure = dataFailures.shift();
        if (failure) return callback(smtpError(failure.code, failure.message));
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw)
          .then((parsed) => {
            const from = session.envelope.mailFrom;
            received.push({
              envelope: {
                from: from ? from.address : null,
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              raw,
              headers: headerFields(raw),
              parsed,
              user: typeof session.user === "string" ? session.user : null,
              secure: session.secure,
            });
            callback(null, "2.0.0 queued by the ARC test sink");
          })
          .catch((error: Error) => callback(error));
      });
    },
  });
  // A client dropping its connection mid-session must not take the test process down.
  server.on("error", () => {});

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host: "127.0.0.1",
    port,
    url: `${options.tls === "implicit" ? "smtps" : "smtp"}://127.0.0.1:${port}`,
    received,
    logins,
    rejectRecipient(address, code, message) {
      rejections.set(address.toLowerCase(), { code, message });
    },
    clearRejections() {
      rejections.clear();
    },
    failNextData(code, message) {
      dataFailures.push({ code, message });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The header section of a raw message as name → value (names lower-cased, unfolded). */
export function headerFields(raw: string): Record<string, string> {
  const end = raw.search(/\r?\n\r?\n/);
  const section = end === -1 ? raw : raw.slice(0, end);
  const fields: Record<string, string> = {};
  for (const line of section.replace(/\r?\n(?=[ \t])/g, "").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    fields[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return fields;
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
