// The collectors' web inbox, served by the API's app (server/api/index.ts mounts it at /): sign in
// with an API key, work the approval queue, look at the portfolio. Pages are rendered on the server
// with Hono's JSX (which escapes every value); a small script (assets/inbox.js) adds keyboard
// shortcuts, in-place selection and decisions, and a queue that refreshes itself.
//
// Auth: a server-side session whose random id sits in an HttpOnly, SameSite=Strict cookie (see
// session.ts). CSRF: besides SameSite=Strict, every POST carries the session's token (a hidden field,
// or the x-csrf-token header from the script) and cross-site POSTs are refused by Sec-Fetch-Site.
// Reads go through the read tools and decisions through server/approvals.ts, as in the API.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { HtmlEscapedString } from "hono/utils/html";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ApiDeps } from "../api/deps.ts";
import { ApiError, errorBody, toApiError } from "../api/errors.ts";
import type { ApiContext, ApiEnv } from "../api/route.ts";
import { authenticateApiKey, recheckApiKey } from "../api-keys.ts";
import { findUnsubscribe, unsubscribe } from "../unsubscribe.ts";
import { isPending, loadOverview, loadProposal, loadQueue, type QueueFilters } from "./data.ts";
import { canDecide, type DecisionFields, decideFromForm } from "./decision.ts";
import { csrfTokenMatches, SESSION_COOKIE, SessionStore, type WebSession } from "./session.ts";
import { InboxPage } from "./views/inbox.tsx";
import { Layout } from "./views/layout.tsx";
import { OverviewPage } from "./views/overview.tsx";
import { ProposalPanel } from "./views/proposal.tsx";
import { inboxQuery, QueueCount, QueueItems } from "./views/queue.tsx";
import { SignInPage } from "./views/sign-in.tsx";
import { UnsubscribePage, UnsubscribeUnknown } from "./views/unsubscribe.tsx";

/** Scripts and styles only from this server, no inline code, no framing, forms post only here. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** The largest form the inbox takes: a message body (20,000 characters) with room to spare. */
const MAX_FORM_BYTES = 256 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why the sign-in page was shown, as fixed text: nothing from the address is echoed. */
const SIGN_IN_NOTICES: Record<string, string> = {
  "signed-out": "You are signed out.",
  expired: "Your session ended. Sign in again.",
  revoked: "The API key you signed in with has been revoked. Sign in with another.",
};

interface Asset {
  body: string;
  type: string;
  etag: string;
}

function loadAssets(): Map<string, Asset> {
  const dir = join(import.meta.dirname, "assets");
  const assets = new Map<string, Asset>();
  for (const [name, type] of [
    ["inbox.js", "text/javascript; charset=utf-8"],
    ["inbox.css", "text/css; charset=utf-8"],
  ] as const) {
    const body = readFileSync(join(dir, name), "utf8");
    const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
    assets.set(name, { body, type, etag });
  }
  return assets;
}

/** A path on this server to return to after signing in; anything else (another origin) is "/". */
function safeNext(next: string | undefined): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (next.startsWith("/sign-in") || next.startsWith("/sign-out")) return "/";
  return next;
}

function filtersFrom(query: Record<string, string | undefined>): QueueFilters {
  const pick = (name: string) => {
    const value = query[name]?.trim();
    return value ? value : undefined;
  };
  const filters: QueueFilters = {};
  const customer = pick("customer");
  const tool = pick("tool");
  const rule = pick("rule");
  if (customer) filters.customer = customer;
  if (tool) filters.tool = tool;
  if (rule) filters.rule = rule;
  return filters;
}

const wantsJson = (c: ApiContext) => (c.req.header("accept") ?? "").includes("application/json");

function setSecurityHeaders(c: ApiContext): void {
  c.header("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("X-Frame-Options", "DENY");
  c.header("Referrer-Policy", "same-origin");
  c.header("Cache-Control", "no-store");
}

/** A browser says where a request came from; only this origin (or the user, typing) may post here. */
function crossSite(c: ApiContext): boolean {
  const site = c.req.header("sec-fetch-site");
  return site !== undefined && site !== "same-origin" && site !== "none";
}

const isHttps = (c: ApiContext) =>
  new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";

async function page(
  c: ApiContext,
  element: HtmlEscapedString | Promise<HtmlEscapedString>,
  status: ContentfulStatusCode = 200,
) {
  return c.html(`<!doctype html>${await element}`, status);
}

/** The form's text fields (files are never expected and are dropped). */
async function formFields(c: ApiContext): Promise<DecisionFields> {
  const body = await c.req.parseBody();
  const fields: DecisionFields = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === "string") fields[name] = value;
  }
  return fields;
}

type Gate = "page" | "data";
type SignedInHandler = (c: ApiContext, session: WebSession) => Promise<Response>;

export function createWeb(deps: ApiDeps): Hono<ApiEnv> {
  const sessions = new SessionStore();
  const assets = loadAssets();
  const web = new Hono<ApiEnv>();
  const now = () => deps.arc.runner.now();
  const formLimit = bodyLimit({
    maxSize: MAX_FORM_BYTES,
    onError: (c) => c.text(`the form is larger than ${MAX_FORM_BYTES} bytes`, 413),
  });

  /**
   * Every page and endpoint but sign-in and the assets: the session's key is checked again on each
   * request (a revoked key ends the session), and a POST must carry the session's CSRF token.
   * Pages send the signed-out to the sign-in page; data endpoints answer 401 for the script.
   */
  const signedIn =
    (route: string, gate: Gate | ((c: ApiContext) => Gate), handler: SignedInHandler) =>
    async (c: ApiContext): Promise<Response> => {
      c.set("route", route);
      setSecurityHeaders(c);
      const kind = typeof gate === "function" ? gate(c) : gate;
      const cookie = getCookie(c, SESSION_COOKIE);
      const session = sessions.touch(cookie);
      const check = session ? await recheckApiKey(deps.arc.database.db, session.keyId) : undefined;
      if (!session || !check?.ok) {
        if (session) sessions.end(session.id);
        if (cookie) deleteCookie(c, SESSION_COOKIE, { path: "/" });
        const reason = check && !check.ok && check.reason === "revoked" ? "revoked" : cookie ? "expired" : "";
        if (kind === "data") {
          const message =
            reason === "revoked" ? "the API key was revoked: sign in again" : "not signed in: sign in again";
          return c.json(errorBody(new ApiError(401, "unauthenticated", message), c.get("requestId")), 401);
        }
        const path = new URL(c.req.url);
        const next = c.req.method === "GET" ? `${path.pathname}${path.search}` : "/";
        const query = new URLSearchParams({ next: safeNext(next), ...(reason ? { reason } : {}) });
        return c.redirect(`/sign-in?${query}`, 303);
      }
      session.caller = check.caller;
      session.role = check.key.role;
      c.set("caller", check.caller);
      c.set("apiKey", check.key);
      if (c.req.method === "POST") {
        const fields = await formFields(c);
        if (crossSite(c) || !csrfTokenMatches(session, c.req.header("x-csrf-token") ?? fields._csrf)) {
          const error = new ApiError(
            403,
            "csrf_refused",
            "the form's security token is missing or stale: reload the page and try again",
          );
          if (kind === "data") return c.json(errorBody(error, c.get("requestId")), 403);
          return page(c, <ErrorPage session={session} error={error} requestId={c.get("requestId")} />, 403);
        }
      }
      return handler(c, session);
    };

  web.onError((error, c) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500)
      deps.logger.error({ requestId: c.get("requestId"), err: error }, "web request failed");
    if (wantsJson(c) || c.req.path.startsWith("/inbox/")) {
      return c.json(errorBody(apiError, c.get("requestId")), apiError.status);
    }
    return page(c, <ErrorPage error={apiError} requestId={c.get("requestId")} />, apiError.status);
  });

  web.get("/assets/:name", (c) => {
    c.set("route", "/assets/:name");
    const asset = assets.get(c.req.param("name"));
    if (!asset) return c.text("no such asset", 404);
    c.header("ETag", asset.etag);
    c.header("Cache-Control", "no-cache");
    c.header("X-Content-Type-Options", "nosniff");
    if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
    return c.body(asset.body, 200, { "content-type": asset.type });
  });

  // One-click unsubscribe (server/unsubscribe.ts): public, the token in the link is the credential.
  // The POST comes from the confirmation page or straight from a mail client (RFC 8058), so it
  // carries no session and no CSRF token.
  web.get("/unsubscribe/:token", async (c) => {
    c.set("route", "/unsubscribe/:token");
    setSecurityHeaders(c);
    const token = c.req.param("token");
    const target = await findUnsubscribe(deps.arc, token);
    if (!target) return page(c, <UnsubscribeUnknown />, 404);
    return page(
      c,
      <UnsubscribePage
        token={token}
        address={target.maskedAddress}
        accountRef={target.accountRef}
        state={target.alreadyOptedOut ? "already" : "confirm"}
      />,
    );
  });

  web.post("/unsubscribe/:token", formLimit, async (c) => {
    c.set("route", "/unsubscribe/:token");
    setSecurityHeaders(c);
    const token = c.req.param("token");
    const target = await findUnsubscribe(deps.arc, token);
    if (!target) return page(c, <UnsubscribeUnknown />, 404);
    const done = await unsubscribe(deps.arc, target);
    if (!done.ok) throw new ApiError(500, "internal", `unsubscribe failed: ${done.error}`);
    deps.logger.info(
      { requestId: c.get("requestId"), communicationId: target.communicationId },
      "unsubscribed",
    );
    return page(
      c,
      <UnsubscribePage
        token={token}
        address={target.maskedAddress}
        accountRef={target.accountRef}
        state={target.alreadyOptedOut ? "already" : "done"}
      />,
    );
  });

  web.get("/sign-in", (c) => {
    c.set("route", "/sign-in");
    setSecurityHeaders(c);
    const next = safeNext(c.req.query("next"));
    if (sessions.touch(getCookie(c, SESSION_COOKIE))) return c.redirect(next, 303);
    return page(c, <SignInPage next={next} notice={SIGN_IN_NOTICES[c.req.query("reason") ?? ""]} />);
  });

  web.post("/sign-in", formLimit, async (c) => {
    c.set("route", "/sign-in");
    setSecurityHeaders(c);
    const fields = await formFields(c);
    const next = safeNext(fields.next);
    // Signing someone in to the attacker's key from another site ("login CSRF") is refused too.
    if (crossSite(c))
      return page(c, <SignInPage next={next} error="Sign in from this site's own page." />, 403);
    const check = await authenticateApiKey(deps.arc.database.db, (fields.key ?? "").trim());
    if (!check.ok) {
      const error =
        check.reason === "malformed"
          ? "That is not an ARC API key: keys look like arc_<12 hex digits>_<secret>."
          : check.reason === "revoked"
            ? "This API key has been revoked."
            : "Unknown API key.";
      return page(c, <SignInPage next={next} error={error} />, 401);
    }
    // A new id on every sign-in: a session id planted before sign-in is never promoted.
    sessions.end(getCookie(c, SESSION_COOKIE));
    const session = sessions.create(check.key, check.caller);
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: isHttps(c),
    });
    deps.logger.info(
      { requestId: c.get("requestId"), key: `${check.key.name}@${check.key.prefix}`, role: check.key.role },
      "web sign-in",
    );
    return c.redirect(next, 303);
  });

  web.post(
    "/sign-out",
    formLimit,
    signedIn("/sign-out", "page", async (c, session) => {
      sessions.end(session.id);
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.redirect("/sign-in?reason=signed-out", 303);
    }),
  );

  /** The inbox page's data: the queue, the selected proposal (by default the first in the queue). */
  async function inboxProps(session: WebSession, filters: QueueFilters, selected: string | undefined) {
    let queue: Awaited<ReturnType<typeof loadQueue>> | { error: string };
    try {
      queue = await loadQueue(deps, session.caller, filters);
    } catch (error) {
      const apiError = toApiError(error);
      if (apiError.status >= 500) throw error;
      queue = { error: `The filters were refused: ${apiError.message}` };
    }
    const shown = selected ?? ("error" in queue ? undefined : queue.approvals[0]?.id);
    const proposal = shown ? await loadProposal(deps, session.caller, shown) : null;
    return { session, filters, queue, selected: shown, proposal, canDecide: canDecide(session), now: now() };
  }

  web.get(
    "/",
    signedIn("/", "page", async (c, session) => {
      const selected = c.req.query("selected");
      const flash = session.flash;
      delete session.flash;
      const props = await inboxProps(
        session,
        filtersFrom(c.req.query()),
        selected && UUID.test(selected) ? selected : undefined,
      );
      return page(c, <InboxPage {...props} flash={flash} />);
    }),
  );

  web.get(
    "/overview",
    signedIn("/overview", "page", async (c, session) =>
      page(c, <OverviewPage data={await loadOverview(deps, session.caller)} session={session} />),
    ),
  );

  // The queue for the script's refresh: its items as the page renders them, and their ids in order.
  web.get(
    "/inbox/queue",
    signedIn("/inbox/queue", "data", async (c, session) => {
      const filters = filtersFrom(c.req.query());
      const queue = await loadQueue(deps, session.caller, filters);
      const selected = c.req.query("selected");
      const ids = queue.approvals.map((a) => a.id);
      const selectedPending =
        selected && UUID.test(selected)
          ? ids.includes(selected) || (await isPending(deps, session.caller, selected))
          : null;
      return c.json({
        total: queue.total,
        ids,
        /** Whether the proposal on screen still waits: false when it was decided elsewhere or expired. */
        selectedPending,
        count: String(await (<QueueCount queue={queue} />)),
        html: String(
          await (
            <QueueItems queue={queue} filters={filters} now={now()} {...(selected ? { selected } : {})} />
          ),
        ),
      });
    }),
  );

  // One proposal's panel, for the script to show the selection without a page load.
  web.get(
    "/inbox/proposals/:actionId",
    signedIn("/inbox/proposals/:actionId", "data", async (c, session) => {
      const actionId = c.req.param("actionId") ?? "";
      if (!UUID.test(actionId)) throw new ApiError(404, "not_found", `no proposal ${actionId}`);
      const view = await loadProposal(deps, session.caller, actionId);
      return c.html(
        await (
          <ProposalPanel
            view={view}
            session={session}
            now={now()}
            returnTo={inboxQuery(filtersFrom(c.req.query()))}
            canDecide={canDecide(session)}
          />
        ),
      );
    }),
  );

  // A decision. From the script (Accept: application/json) the answer is JSON; from a plain form, a
  // redirect back to the queue, or the page again with the refusal beside what was typed.
  web.post(
    "/inbox/proposals/:actionId/decision",
    formLimit,
    signedIn(
      "/inbox/proposals/:actionId/decision",
      (c) => (wantsJson(c) ? "data" : "page"),
      async (c, session) => {
        const actionId = c.req.param("actionId") ?? "";
        const fields = await formFields(c);
        const back = filtersFrom(Object.fromEntries(new URLSearchParams(fields.return_to ?? "")));
        try {
          if (!UUID.test(actionId)) throw new ApiError(404, "not_found", `no proposal ${actionId}`);
          const done = await decideFromForm(deps, session, actionId, fields);
          if (wantsJson(c)) return c.json({ ok: true, ...done });
          session.flash = { kind: "success", message: done.message };
          return c.redirect(`/${inboxQuery(back)}`, 303);
        } catch (error) {
          const apiError = toApiError(error);
          if (apiError.status >= 500) throw error;
          if (wantsJson(c)) return c.json(errorBody(apiError, c.get("requestId")), apiError.status);
          const props = await inboxProps(session, back, UUID.test(actionId) ? actionId : undefined);
          return page(
            c,
            <InboxPage
              {...props}
              error={{ status: apiError.status, code: apiError.code, message: apiError.message }}
              draft={fields}
            />,
            apiError.status,
          );
        }
      },
    ),
  );

  return web;
}

const ErrorPage = ({
  error,
  requestId,
  session,
}: {
  error: ApiError;
  requestId: string;
  session?: WebSession;
}) => (
  <Layout title="Error" {...(session ? { session } : {})}>
    <section class="card" aria-labelledby="error-title">
      <h1 id="error-title">Something went wrong</h1>
      <p class="flash flash-error" role="alert">
        {error.message}
      </p>
      <p class="muted">Request id {requestId}.</p>
      <p>
        <a href="/">Back to the inbox</a>
      </p>
    </section>
  </Layout>
);
