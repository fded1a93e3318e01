// Web inbox sessions on their own: random ids, the idle and absolute limits, and the CSRF check.
import { describe, expect, it } from "vitest";
import type { ApiKeyInfo } from "../../../server/api-keys.ts";
import {
  csrfTokenMatches,
  SESSION_IDLE_MS,
  SESSION_LIFETIME_MS,
  SessionStore,
} from "../../../server/web/session.ts";

const KEY = { id: "key-1", name: "dana", prefix: "0123456789ab", role: "collector" } as ApiKeyInfo;
const CALLER = { kind: "api", id: "dana@0123456789ab", role: "collector" } as const;

function storeAt(start: number) {
  let now = start;
  return { store: new SessionStore(() => now), advance: (ms: number) => (now += ms) };
}

describe("SessionStore", () => {
  it("gives each sign-in its own random id and token", () => {
    const { store } = storeAt(0);
    const one = store.create(KEY, CALLER);
    const two = store.create(KEY, CALLER);
    expect(one.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(one.id).not.toBe(two.id);
    expect(one.csrfToken).not.toBe(two.csrfToken);
    expect(store.touch(one.id)).toBe(one);
    expect(store.touch("unknown")).toBeUndefined();
    expect(store.touch(undefined)).toBeUndefined();
  });

  it("ends a session left idle, and any session past its lifetime however busy", () => {
    const { store, advance } = storeAt(1_000);
    const idle = store.create(KEY, CALLER);
    advance(SESSION_IDLE_MS + 1);
    expect(store.touch(idle.id)).toBeUndefined();

    const busy = store.create(KEY, CALLER);
    for (let used = 0; used < SESSION_LIFETIME_MS; used += SESSION_IDLE_MS / 2) {
      expect(store.touch(busy.id)).toBe(busy);
      advance(SESSION_IDLE_MS / 2);
    }
    // Exactly its lifetime old, used a moment ago: still alive; a millisecond more, gone.
    expect(store.touch(busy.id)).toBe(busy);
    advance(1);
    expect(store.touch(busy.id)).toBeUndefined();
  });

  it("ends a session on sign-out", () => {
    const { store } = storeAt(0);
    const session = store.create(KEY, CALLER);
    store.end(session.id);
    expect(store.touch(session.id)).toBeUndefined();
  });
});

describe("csrfTokenMatches", () => {
  it("accepts the session's token only", () => {
    const session = storeAt(0).store.create(KEY, CALLER);
    expect(csrfTokenMatches(session, session.csrfToken)).toBe(true);
    expect(csrfTokenMatches(session, `${session.csrfToken}x`)).toBe(false);
    expect(csrfTokenMatches(session, session.csrfToken.replace(/^./, "!"))).toBe(false);
    expect(csrfTokenMatches(session, "")).toBe(false);
    expect(csrfTokenMatches(session, undefined)).toBe(false);
  });
});
