import type { FC } from "hono/jsx";
import { Layout } from "./layout.tsx";

export interface SignInProps {
  /** Where to go once signed in (a path on this server). */
  next: string;
  error?: string | undefined;
  notice?: string | undefined;
}

export const SignInPage: FC<SignInProps> = ({ next, error, notice }) => (
  <Layout title="Sign in">
    <section class="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to the ARC inbox</h1>
      <p>
        Use an API key: the admin key <code>npm start</code> printed on its first start, or one made with{" "}
        <code>npx arc keys create --role collector</code>. Viewer keys can look but not decide.
      </p>
      {notice ? (
        <p class="flash flash-info" role="status">
          {notice}
        </p>
      ) : null}
      {error ? (
        <p class="flash flash-error" role="alert" id="sign-in-error">
          {error}
        </p>
      ) : null}
      <form method="post" action="/sign-in">
        <input type="hidden" name="next" value={next} />
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="key"
          type="password"
          autocomplete="current-password"
          required
          autofocus
          spellcheck={false}
          aria-describedby={error ? "sign-in-error" : undefined}
          aria-invalid={error ? "true" : undefined}
        />
        <button type="submit">Sign in</button>
      </form>
    </section>
  </Layout>
);
