// The page around every inbox page: head (stylesheet, script, the session's CSRF token for the
// script's POSTs), the top bar with navigation and sign-out, and the keyboard shortcuts dialog.
import type { Child, FC } from "hono/jsx";
import type { WebSession } from "../session.ts";

export interface LayoutProps {
  title: string;
  session?: WebSession;
  active?: "inbox" | "overview";
  children?: Child;
}

const SHORTCUTS: [keys: string, what: string][] = [
  ["j / k", "next / previous proposal"],
  ["a", "approve the selected proposal"],
  ["e", "edit the draft (then Ctrl+Enter approves the edit)"],
  ["r", "reject: type the reason, then Ctrl+Enter"],
  ["/", "search customers"],
  ["g o / g i", "go to the overview / the inbox"],
  ["?", "show or hide these shortcuts"],
  ["Esc", "leave a field / close this dialog"],
];

export const Layout: FC<LayoutProps> = ({ title, session, active, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{`${title} · ARC`}</title>
      <link rel="stylesheet" href="/assets/inbox.css" />
      {/* No favicon to fetch. */}
      <link rel="icon" href="data:," />
      {session ? <meta name="arc-csrf" content={session.csrfToken} /> : null}
      <script src="/assets/inbox.js" defer></script>
    </head>
    <body>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="top-bar">
        <span class="brand">ARC</span>
        {session ? (
          <nav aria-label="Main">
            <a href="/" aria-current={active === "inbox" ? "page" : undefined}>
              Inbox
            </a>
            <a href="/overview" aria-current={active === "overview" ? "page" : undefined}>
              Overview
            </a>
          </nav>
        ) : null}
        {session ? (
          <div class="who">
            <span>
              {session.keyName} <span class="role">{session.role}</span>
            </span>
            <button type="button" class="link-button" data-open-shortcuts>
              Shortcuts <kbd>?</kbd>
            </button>
            <form method="post" action="/sign-out">
              <input type="hidden" name="_csrf" value={session.csrfToken} />
              <button type="submit">Sign out</button>
            </form>
          </div>
        ) : null}
      </header>
      <main id="main">{children}</main>
      {session ? <ShortcutsDialog /> : null}
    </body>
  </html>
);

const ShortcutsDialog: FC = () => (
  <dialog id="shortcuts" aria-labelledby="shortcuts-title">
    <h2 id="shortcuts-title">Keyboard shortcuts</h2>
    <table>
      <tbody>
        {SHORTCUTS.map(([keys, what]) => (
          <tr>
            <th scope="row">
              <kbd>{keys}</kbd>
            </th>
            <td>{what}</td>
          </tr>
        ))}
      </tbody>
    </table>
    <form method="dialog" class="dialog-actions">
      <button type="submit">Close</button>
    </form>
  </dialog>
);
