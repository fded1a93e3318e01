// Delivery for `arc dispatch` (drain once) and `arc serve` (drain continuously): the transports
// from the environment (SMTP_URL / ARC_SMS_URL, else the local mailbox folder) and the dispatcher
// loop. Dispatchers share the outbox safely (claims skip locked rows), so every `arc serve` may run one.
import { resolve } from "node:path";
import { type DispatchSummary, dispatchOnce } from "../tools/outbox/dispatch.ts";
import { type DeliveryConfig, deliveryFromEnv } from "../tools/outbox/transports.ts";
import type { Arc } from "./context.ts";

export interface DeliverySetup {
  delivery: DeliveryConfig;
  publicUrl: string;
}

/** ARC_PUBLIC_URL is where customers reach ARC (unsubscribe links); default the server's own URL. */
export function deliverySetup(env: Record<string, string | undefined>, fallbackUrl: string): DeliverySetup {
  const publicUrl = env.ARC_PUBLIC_URL?.trim() || fallbackUrl;
  if (!/^https?:\/\/[^\s/]+/.test(publicUrl)) {
    throw new Error(`ARC_PUBLIC_URL: expected an http(s) URL, got ${JSON.stringify(publicUrl)}`);
  }
  const dataDir = resolve(env.ARC_DATA_DIR ?? ".arc");
  return { delivery: deliveryFromEnv(env, dataDir), publicUrl };
}

export function drainOutbox(
  arc: Arc,
  setup: DeliverySetup,
  stopping?: () => boolean,
): Promise<DispatchSummary> {
  return dispatchOnce({
    db: arc.database.db,
    runner: arc.runner,
    ...setup,
    now: () => arc.runner.now(),
    ...(stopping ? { stopping } : {}),
  });
}

export interface RunningDispatcher {
  /** Stops after the batch in hand (a SIGTERM does not wait for a whole backlog); closes the transports. */
  stop(): Promise<void>;
}

/** Drains the outbox every `intervalMs` (never two passes at once) until stopped. */
export function startDispatcher(
  arc: Arc,
  setup: DeliverySetup,
  options: {
    intervalMs: number;
    onPass?: (summary: DispatchSummary) => void;
    onError?: (error: unknown) => void;
  },
): RunningDispatcher {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const pass = () => {
    current = drainOutbox(arc, setup, () => stopped)
      .then((summary) => options.onPass?.(summary))
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        if (!stopped) timer = setTimeout(pass, options.intervalMs);
      });
  };
  pass();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
      await Promise.all([setup.delivery.email.close(), setup.delivery.sms.close()]);
    },
  };
}
