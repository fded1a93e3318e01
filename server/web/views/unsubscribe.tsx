import type { FC } from "hono/jsx";
import { Layout } from "./layout.tsx";

export const UnsubscribePage: FC<{
  token: string;
  address: string;
  accountRef: string;
  state: "confirm" | "done" | "already";
}> = ({ token, address, accountRef, state }) => (
  <Layout title="Unsubscribe">
    <section class="sign-in" aria-labelledby="unsubscribe-title">
      <h1 id="unsubscribe-title">{state === "confirm" ? "Stop these emails?" : "You are unsubscribed"}</h1>
      {state === "confirm" ? (
        <>
          <p>
            Stop emails about account {accountRef} to {address}. Other ways we may contact you are not
            affected.
          </p>
          <form method="post" action={`/unsubscribe/${token}`}>
            <button type="submit">Unsubscribe</button>
          </form>
        </>
      ) : (
        <p role="status">
          {state === "done"
            ? `We will not email ${address} about account ${accountRef} again.`
            : `${address} was already unsubscribed from emails about account ${accountRef}.`}
        </p>
      )}
    </section>
  </Layout>
);

export const UnsubscribeUnknown: FC = () => (
  <Layout title="Unsubscribe">
    <section class="sign-in">
      <h1>Link not recognised</h1>
      <p>This unsubscribe link is not valid. If you keep receiving emails, reply STOP to one of them.</p>
    </section>
  </Layout>
);
