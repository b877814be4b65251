// The answer page: starts an answer with POST /chat (its id goes in the address, ?id=…), follows it
// with a native EventSource on /chat/:id/stream, and Stop POSTs /chat/:id/cancel. A plain module,
// no build step. Event data only ever reaches the page as text (textContent), never as markup.

const END_EVENT = 'ssekit-end';
const GAP_EVENT = 'ssekit-gap';
const GONE_EVENT = 'ssekit-gone';

const $ = (id) => document.getElementById(id);

/**
 * The page's state. It is also `window.answer`, so the browser tests (and you, in devtools) can read
 * exactly what the EventSource delivered: `tokens` holds every token as { id, data } in arrival order.
 */
const answer = {
  id: new URLSearchParams(location.search).get('id'),
  /** `idle`, `connecting`, `streaming`, `reconnecting`, then `done`, `cancelled`, `error` or `gone`. */
  state: 'idle',
  tokens: [],
  /** How many times the EventSource opened: more than one means it resumed by Last-Event-ID. */
  opens: 0,
  source: null,
};
window.answer = answer;

const ENDED = new Set(['done', 'cancelled', 'error', 'gone']);
const LABELS = {
  idle: 'no answer yet',
  connecting: 'connecting',
  streaming: 'streaming',
  reconnecting: 'reconnecting',
  done: 'done',
  cancelled: 'cancelled',
  error: 'error',
  gone: 'gone',
};
// The shared style sheet colours `open` green and `connecting` / `reconnecting` amber.
const STYLE_STATES = { streaming: 'open', done: 'open' };

function setState(state, detail) {
  answer.state = state;
  const badge = $('answer-state');
  badge.dataset.state = STYLE_STATES[state] ?? state;
  badge.dataset.answer = state;
  badge.textContent = detail ? `${LABELS[state]}: ${detail}` : LABELS[state];
  $('stop').disabled = answer.id === null || ENDED.has(state) || state === 'idle';
  $('ask').disabled = !(state === 'idle' || ENDED.has(state));
}

function showError(text) {
  const box = $('answer-error');
  box.textContent = text;
  box.hidden = text === '';
}

/** A fresh answer id: 20 hex characters, fit for a URL and for the library's stream ids. */
function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Follows answer `id` from its start; the browser resumes by Last-Event-ID if the connection drops. */
function follow(id) {
  answer.id = id;
  answer.tokens = [];
  $('answer-text').textContent = '';
  $('answer-id').textContent = id;
  $('answer-count').textContent = '0';
  $('answer-last-id').textContent = 'none yet';
  showError('');
  setState('connecting');
  const source = new EventSource(`/chat/${encodeURIComponent(id)}/stream`);
  answer.source = source;
  source.onopen = () => {
    answer.opens += 1;
    setState('streaming');
  };
  source.onmessage = (event) => {
    answer.tokens.push({ id: event.lastEventId, data: event.data });
    // One text node per token: appended as text, so markup in a token stays visible characters.
    $('answer-text').append(document.createTextNode(event.data));
    $('answer-count').textContent = String(answer.tokens.length);
    $('answer-last-id').textContent = event.lastEventId;
  };
  source.addEventListener(END_EVENT, (event) => {
    // Closed here, or the browser would reconnect with the end's id (answered 204) for nothing.
    source.close();
    const end = JSON.parse(event.data);
    setState(end.state, end.state === 'cancelled' && end.reason !== 'request' ? end.reason : undefined);
  });
  source.addEventListener(GAP_EVENT, () => showError('Some tokens were trimmed from the log.'));
  source.addEventListener(GONE_EVENT, () => {
    source.close();
    setState('gone');
  });
  source.onerror = () => {
    if (ENDED.has(answer.state)) return;
    // CLOSED: the server answered something other than a stream (404 once the answer has expired).
    if (source.readyState === EventSource.CLOSED) setState('gone');
    else setState('reconnecting');
  };
}

/** POST /chat starts the answer; its response is a reader too, which this page lets go at once. */
async function ask() {
  const id = newId();
  history.pushState(null, '', `?id=${id}`);
  setState('connecting');
  try {
    const response = await fetch('/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id }),
    });
    // Leaving this reader does not stop the answer: only cancel does.
    await response.body?.cancel();
    if (!response.ok) throw new Error(`POST /chat answered ${response.status}`);
  } catch (error) {
    setState('error');
    showError(String(error.message ?? error));
    return;
  }
  follow(id);
}

async function stop() {
  $('stop').disabled = true;
  try {
    const response = await fetch(`/chat/${encodeURIComponent(answer.id)}/cancel`, { method: 'POST' });
    if (!response.ok) showError(`Stop was answered ${response.status}`);
  } catch (error) {
    showError(String(error.message ?? error));
  }
  // The end event tells this tab, as every other, that the answer was cancelled.
}

$('ask').addEventListener('click', () => void ask());
$('stop').addEventListener('click', () => void stop());
// Back and forward move between answers: follow the one the address names.
window.addEventListener('popstate', () => {
  answer.source?.close();
  const id = new URLSearchParams(location.search).get('id');
  if (id) follow(id);
  else setState('idle');
});

if (answer.id) follow(answer.id);
else setState('idle');
