// Web inbox sessions. Signing in with an API key creates a server-side session; the browser holds
// only its random id, in an HttpOnly, SameSite=Strict cookie. The key itself never goes back to the
// browser: a stolen cookie dies with sign-out, idle timeout or the key's revocation, where a cookie
// holding the key would be the key for ever. Sessions live in this process's memory, so a restart
// signs everyone out, and several servers behind one address need sticky routing (documented).
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Role } from "../../db/schema.ts";
import type { Caller } from "../../policies/types.ts";
import type { ApiKeyInfo } from "../api-keys.ts";

export const SESSION_COOKIE = "arc_session";
/** A session unused this long ends (a collector's day with long breaks). */
export const SESSION_IDLE_MS = 8 * 3_600_000;
/** Every session ends after this long, however busy. */
export const SESSION_LIFETIME_MS = 24 * 3_600_000;

/** A message for the next page the session sees (the result of a form posted without JavaScript). */
export interface Flash {
  kind: "success" | "error";
  message: string;
}

export interface WebSession {
  id: string;
  /** Sent back on every POST (hidden field or x-csrf-token header) and compared in constant time. */
  csrfToken: string;
  keyId: string;
  keyName: string;
  role: Role;
  caller: Caller;
  createdAt: number;
  lastSeenAt: number;
  flash?: Flash;
}

const token = () => randomBytes(32).toString("base64url");

export class SessionStore {
  private readonly sessions = new Map<string, WebSession>();

  constructor(private readonly clock: () => number = Date.now) {}

  create(key: ApiKeyInfo, caller: Caller): WebSession {
    const now = this.clock();
    this.sweep(now);
    const session: WebSession = {
      id: token(),
      csrfToken: token(),
      keyId: key.id,
      keyName: key.name,
      role: key.role,
      caller,
      createdAt: now,
      lastSeenAt: now,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, its idle clock restarted; undefined when unknown or expired. */
  touch(id: string | undefined): WebSession | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.clock();
    if (this.expired(session, now)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  private expired(session: WebSession, now: number): boolean {
    return now - session.lastSeenAt > SESSION_IDLE_MS || now - session.createdAt > SESSION_LIFETIME_MS;
  }

  /** Drops expired sessions; run on sign-in, so the map never outgrows the people signing in. */
  private sweep(now: number): void {
    for (const [id, session] of this.sessions) {
      if (this.expired(session, now)) this.sessions.delete(id);
    }
  }
}

/** True when `presented` is the session's CSRF token (constant-time; any other value is false). */
export function csrfTokenMatches(session: WebSession, presented: string | undefined | null): boolean {
  if (!presented) return false;
  const expected = Buffer.from(session.csrfToken);
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
