// The inbox's script: progressive enhancement of pages that work without it. It shows a selected
// proposal without a page load, posts decisions and shows their outcome in place, refreshes the queue
// every few seconds, and adds keyboard shortcuts. Everything it inserts is HTML the server rendered
// (escaped by Hono's JSX) or plain text; the session cookie authenticates its same-origin requests,
// and the x-csrf-token header carries the session's token.
const POLL_MS = 3000;

const csrfToken = document.querySelector('meta[name="arc-csrf"]')?.getAttribute("content") ?? "";
const list = document.getElementById("queue-list");
const panel = document.getElementById("proposal");
const count = document.getElementById("queue-count");
const inboxStatus = document.getElementById("inbox-status");
const shortcuts = document.getElementById("shortcuts");

let busy = false;
let pendingG = false;

/** The inbox's filters as a query string ("?tool=send_message" or ""). */
const filterQuery = () => list?.dataset.query ?? "";

function withSelected(query, id) {
  const params = new URLSearchParams(query);
  if (id) params.set("selected", id);
  else params.delete("selected");
  const text = params.toString();
  return text ? `?${text}` : "";
}

const queueItems = () => (list ? [...list.querySelectorAll(".queue-item")] : []);
const shownId = () => panel?.querySelector("[data-action-id]")?.getAttribute("data-action-id") ?? null;
const decisionForm = () => panel?.querySelector("form.decision[data-decision-form]") ?? null;

function signInAgain() {
  window.location.assign(
    `/sign-in?reason=expired&next=${encodeURIComponent(window.location.pathname + window.location.search)}`,
  );
}

function markSelected(id) {
  for (const item of queueItems()) {
    if (item.dataset.id === id) item.setAttribute("aria-current", "true");
    else item.removeAttribute("aria-current");
  }
}

function announce(kind, message) {
  if (!inboxStatus) return;
  const line = document.createElement("p");
  line.className = `flash flash-${kind}`;
  line.textContent = message;
  inboxStatus.replaceChildren(line);
}

async function select(id, options = {}) {
  if (!panel || !id) return;
  markSelected(id);
  const item = queueItems().find((li) => li.dataset.id === id);
  item?.scrollIntoView({ block: "nearest" });
  history.replaceState(null, "", `/${withSelected(filterQuery(), id)}`);
  const response = await fetch(`/inbox/proposals/${id}${filterQuery()}`, {
    headers: { accept: "text/html" },
  });
  if (response.status === 401) return signInAgain();
  panel.innerHTML = await response.text();
  if (options.focusPanel) {
    // Screen readers follow focus into the proposal; the page scrolls only if its top is out of view.
    panel.focus({ preventScroll: true });
    if (panel.getBoundingClientRect().top < 0) panel.scrollIntoView({ block: "start" });
  }
}

function move(step) {
  const items = queueItems();
  if (items.length === 0) return;
  const at = items.findIndex((li) => li.dataset.id === shownId());
  const next = items[Math.min(items.length - 1, Math.max(0, at === -1 ? 0 : at + step))];
  if (next && next.dataset.id !== shownId()) void select(next.dataset.id);
}

async function refreshQueue() {
  if (!list || document.hidden || busy) return;
  const response = await fetch(`/inbox/queue${withSelected(filterQuery(), shownId())}`, {
    headers: { accept: "application/json" },
  });
  if (response.status === 401) return signInAgain();
  if (!response.ok) return;
  const queue = await response.json();
  const onScreen = queueItems().map((li) => li.dataset.id);
  if (queue.ids.join() !== onScreen.join()) {
    list.innerHTML = queue.html;
    if (count) count.innerHTML = queue.count;
  }
  const gone = panel?.querySelector("#proposal-gone");
  if (gone) gone.hidden = queue.selectedPending !== false;
}

/** After a decision: the next proposal in the queue (or the previous one at its end) takes its place. */
function showNextAfter(decidedId) {
  const items = queueItems();
  const at = items.findIndex((li) => li.dataset.id === decidedId);
  const next = items[at + 1] ?? items[at - 1];
  if (at !== -1) items[at].remove();
  if (next) void select(next.dataset.id);
  else if (panel) {
    const empty = document.createElement("div");
    empty.className = "empty";
    empty.textContent = "Nothing left in the queue for these filters.";
    panel.replaceChildren(empty);
  }
}

function showDecisionError(form, body, status) {
  const feedback = panel?.querySelector("#decision-feedback");
  const error = body?.error ?? { message: `the server answered ${status} without saying why` };
  const box = document.createElement("div");
  box.className = "flash flash-error";
  box.id = "decision-error";
  const title = document.createElement("strong");
  title.textContent =
    error.code === "policy_denied"
      ? "The policy refused it: "
      : error.code === "conflict"
        ? "Conflict: "
        : error.code === "forbidden"
          ? "Not allowed: "
          : "Refused: ";
  box.append(title, document.createTextNode(error.message));
  feedback?.replaceChildren(box);
  if (/reason/.test(error.message)) form.querySelector("#decision-note")?.focus();
}

async function submitDecision(form, submitter) {
  if (busy) return;
  const data = new FormData(form);
  if (submitter?.name) data.set(submitter.name, submitter.value);
  const decidedId = shownId();
  // A refusal shown for an earlier try no longer applies.
  panel?.querySelector("#decision-feedback")?.replaceChildren();
  busy = true;
  form.classList.add("busy");
  try {
    const response = await fetch(form.action, {
      method: "POST",
      headers: { accept: "application/json", "x-csrf-token": csrfToken },
      body: new URLSearchParams(data),
    });
    if (response.status === 401) return signInAgain();
    const body = await response.json().catch(() => null);
    if (!response.ok || !body?.ok) {
      showDecisionError(form, body, response.status);
      return;
    }
    announce("success", body.message);
    showNextAfter(decidedId);
  } finally {
    busy = false;
    form.classList.remove("busy");
  }
  void refreshQueue();
}

function toggleShortcuts() {
  if (!shortcuts) return;
  if (shortcuts.open) shortcuts.close();
  else shortcuts.showModal();
}

/** e and r choose what Ctrl+Enter does, and put the cursor where the collector types. */
function prepare(intent) {
  const form = decisionForm();
  if (!form) return;
  const button = form.querySelector(`button[value="${intent}"]`);
  if (!button || button.disabled) return;
  form.dataset.intent = intent;
  if (intent === "edit") {
    const target = form.querySelector("[data-edit-target]");
    const details = target?.closest("details");
    if (details) details.open = true;
    target?.focus();
  } else {
    form.querySelector("#decision-note")?.focus();
  }
}

function clickDecision(value) {
  const button = decisionForm()?.querySelector(`button[value="${value}"]`);
  if (button && !button.disabled) button.click();
}

const isField = (element) =>
  element instanceof HTMLElement &&
  (element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName));

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.isComposing) return;
  const target = event.target;
  if (event.key === "Escape" && isField(target) && !shortcuts?.open) {
    target.blur();
    return;
  }
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    const form = target instanceof Element ? target.closest("form[data-decision-form]") : null;
    if (form?.dataset.intent) {
      event.preventDefault();
      form.querySelector(`button[value="${form.dataset.intent}"]`)?.click();
    }
    return;
  }
  if (isField(target) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (pendingG) {
    pendingG = false;
    if (event.key === "o") window.location.assign("/overview");
    if (event.key === "i") window.location.assign("/");
    return;
  }
  const actions = {
    j: () => move(1),
    k: () => move(-1),
    a: () => clickDecision("approve"),
    e: () => prepare("edit"),
    r: () => prepare("reject"),
    "/": () => {
      const search = document.getElementById("filter-customer");
      search?.focus();
      search?.select();
    },
    "?": toggleShortcuts,
    g: () => {
      pendingG = true;
      setTimeout(() => {
        pendingG = false;
      }, 1500);
    },
  };
  const action = actions[event.key];
  if (!action || (busy && "jkaer".includes(event.key))) return;
  event.preventDefault();
  action();
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.matches("[data-decision-form]")) return;
  event.preventDefault();
  void submitDecision(form, event.submitter);
});

list?.addEventListener("click", (event) => {
  const link = event.target instanceof Element ? event.target.closest(".queue-item a") : null;
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  void select(link.closest(".queue-item").dataset.id, { focusPanel: true });
});

for (const button of document.querySelectorAll("[data-open-shortcuts]")) {
  button.addEventListener("click", toggleShortcuts);
}

if (list) {
  setInterval(() => void refreshQueue(), POLL_MS);
  document.addEventListener("visibilitychange", () => void refreshQueue());
}
