// The inbox: the queue (filters, items) beside the selected proposal.
import type { FC } from "hono/jsx";
import type { ProposalView, QueueFilters, QueueOutput } from "../data.ts";
import type { DecisionFields } from "../decision.ts";
import type { Flash, WebSession } from "../session.ts";
import { Layout } from "./layout.tsx";
import { ProposalPanel, type ShownError } from "./proposal.tsx";
import { Filters, inboxQuery, QueueCount, QueueItems } from "./queue.tsx";

export interface InboxProps {
  session: WebSession;
  filters: QueueFilters;
  /** The queue, or why the filters were refused. */
  queue: QueueOutput | { error: string };
  selected?: string | undefined;
  proposal: ProposalView | null;
  canDecide: boolean;
  now: Date;
  flash?: Flash | undefined;
  error?: ShownError | undefined;
  draft?: DecisionFields | undefined;
}

export const InboxPage: FC<InboxProps> = (props) => {
  const { session, filters, queue, selected, now } = props;
  const returnTo = inboxQuery(filters);
  return (
    <Layout title="Inbox" session={session} active="inbox">
      <div id="inbox-status" role="status">
        {props.flash ? <p class={`flash flash-${props.flash.kind}`}>{props.flash.message}</p> : null}
      </div>
      <div class="inbox">
        <section class="queue" aria-labelledby="queue-title">
          <h1 id="queue-title">Approval queue</h1>
          <Filters filters={filters} />
          {"error" in queue ? (
            <p class="flash flash-error" role="alert">
              {queue.error}
            </p>
          ) : (
            <>
              <p id="queue-count" class="queue-count" aria-live="polite">
                <QueueCount queue={queue} />
              </p>
              <ol id="queue-list" class="queue-list" aria-labelledby="queue-title" data-query={returnTo}>
                <QueueItems queue={queue} filters={filters} selected={selected} now={now} />
              </ol>
            </>
          )}
        </section>
        <section id="proposal" class="proposal" aria-label="Selected proposal" tabindex={-1}>
          <ProposalPanel
            view={props.proposal}
            session={session}
            now={now}
            returnTo={returnTo}
            canDecide={props.canDecide}
            error={props.error}
            draft={props.draft}
          />
        </section>
      </div>
    </Layout>
  );
};
