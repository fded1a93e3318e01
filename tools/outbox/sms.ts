// SMS over a Twilio-compatible HTTP API:
//   POST {ARC_SMS_URL}/2010-04-01/Accounts/{ARC_SMS_ACCOUNT_SID}/Messages.json
//   Authorization: Basic SID:AUTH_TOKEN; form body To, From (ARC_SMS_FROM), Body;
//   Idempotency-Key and I-Twilio-Idempotency-Token: the message's idempotency key.
//
// Outcomes: 2xx → sent (the JSON `sid`). 429 → transient, Retry-After honoured. 5xx, network
// errors and timeouts → transient. 401/403/404 say the account or the URL is wrong, not the
// message → transient ("check ARC_SMS_…"), so a misconfiguration does not fail the whole outbox.
// 408/409/425 (the provider asks to try again; 409 is the idempotency-key answer for "the first
// request with this key is still in progress") → transient. Any other 4xx, e.g. 400 with Twilio
// code 21211 invalid number, 21614 not a mobile number, 21610 recipient unsubscribed (STOP),
// 21408 region not enabled → permanent, with the provider's message.
//
// Idempotency: the key is sent on every attempt, but whether the provider deduplicates with it is
// not something ARC can see. Twilio's Messages API does not document deduplicating message creation
// by that header (I-Twilio-Idempotency-Token is what Twilio sends to *your* webhooks), so resending
// after an attempt whose outcome is unknown could text the customer twice. The transport therefore
// reports idempotent only when ARC_SMS_IDEMPOTENT=true says the provider honours the key.
import type { DeliveryResult, OutboundSms, SmsTransport } from "./transports.ts";

export interface HttpSmsOptions {
  /** API base, e.g. https://api.twilio.com (a trailing "/" is ignored). */
  url: string;
  accountSid: string;
  authToken: string;
  /** The sending number (E.164) or sender id. */
  from: string;
  /** The provider deduplicates by Idempotency-Key (ARC_SMS_IDEMPOTENT=true). */
  idempotent: boolean;
  /** Per request, default 10 000 ms. */
  timeoutMs?: number;
}

const TWILIO_CODES: Record<number, string> = {
  21211: "invalid 'To' number",
  21408: "sending to this region is not enabled",
  21610: "the recipient unsubscribed (replied STOP)",
  21614: "'To' is not a mobile number",
};

export function httpSmsTransport(options: HttpSmsOptions): SmsTransport {
  const base = options.url.replace(/\/+$/, "");
  const endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString("base64")}`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    kind: "http-sms",
    idempotent: options.idempotent,
    describe: `HTTP SMS ${base} (account ${options.accountSid}, from ${options.from})`,
    async send(message: OutboundSms): Promise<DeliveryResult> {
      if (!message.idempotencyKey)
        return { ok: false, permanent: true, error: "the SMS has no idempotency key" };
      if (!message.to.trim()) return { ok: false, permanent: true, error: "the SMS has no recipient" };
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: "POST",
          headers: {
            authorization,
            "content-type": "application/x-www-form-urlencoded",
            accept: "application/json",
            "idempotency-key": message.idempotencyKey,
            "i-twilio-idempotency-token": message.idempotencyKey,
          },
          body: new URLSearchParams({ To: message.to, From: options.from, Body: message.body }).toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        return networkFailure(error, timeoutMs);
      }
      let text = "";
      try {
        text = await response.text();
      } catch (error) {
        // The status line arrived; a 2xx means the provider took the message even if its body broke.
        if (!response.ok) return networkFailure(error, timeoutMs);
      }
      return smsOutcome(response.status, text, response.headers.get("retry-after"), message.idempotencyKey);
    },
    async close() {},
  };
}

/** The provider's answer as a delivery result (see the table at the top of this file). */
export function smsOutcome(
  status: number,
  body: string,
  retryAfter: string | null,
  idempotencyKey: string,
  now: Date = new Date(),
): DeliveryResult {
  const json = parseJson(body);
  if (status >= 200 && status < 300) {
    const sid = typeof json?.["sid"] === "string" && json["sid"] ? json["sid"] : `http-sms:${idempotencyKey}`;
    return { ok: true, providerMessageId: sid };
  }
  const code = typeof json?.["code"] === "number" ? json["code"] : null;
  const providerMessage =
    typeof json?.["message"] === "string" ? json["message"] : body.trim().slice(0, 300) || "(no body)";
  const known = code !== null && TWILIO_CODES[code] ? ` ${TWILIO_CODES[code]}` : "";
  const error = `SMS provider HTTP ${status}${code !== null ? ` (code ${code}${known})` : ""}: ${providerMessage}`;
  const wait = retryAfterMs(retryAfter, now);
  const transient = (text: string): DeliveryResult =>
    wait === undefined
      ? { ok: false, permanent: false, error: text }
      : { ok: false, permanent: false, error: text, retryAfterMs: wait };
  if (status === 429 || status >= 500) return transient(error);
  if (status === 401 || status === 403 || status === 404) {
    return transient(
      `${error} (the provider refused the account or the URL: authentication failed or not found; check ARC_SMS_URL, ARC_SMS_ACCOUNT_SID and ARC_SMS_AUTH_TOKEN)`,
    );
  }
  if (status === 408 || status === 409 || status === 425) return transient(error);
  if (status >= 400) return { ok: false, permanent: true, error };
  // 1xx/3xx: fetch follows redirects, so this is a provider that does not speak the API.
  return transient(`${error} (unexpected answer)`);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: Date = new Date()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now.getTime());
}

function networkFailure(error: unknown, timeoutMs: number): DeliveryResult {
  const name = (error as { name?: string } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") {
    return {
      ok: false,
      permanent: false,
      error: `SMS provider did not answer within ${timeoutMs} ms (the message may have been accepted)`,
    };
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return { ok: false, permanent: false, error: `SMS provider unreachable: ${detail}` };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
