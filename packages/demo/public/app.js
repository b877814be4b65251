// The demo page: one native EventSource on /<framework>/events, and the controls around it.
// A plain module, no build step: what you read here is what the browser runs. The controls also
// steer the page's client mode (client-mode.js): each tells it by a `demo:<action>` event on window.

import { appendTo, messageItem, noteItem } from './feed.js';

const FRAMEWORKS = { express: 'Express', koa: 'Koa', hono: 'Hono' };
const TICK_LIMIT = 24;

const $ = (id) => document.getElementById(id);
const requested = new URLSearchParams(location.search).get('fw');

/**
 * The page's state. It is also `window.demo`, so the browser tests (and you, in devtools) can read
 * exactly what the EventSource delivered: `received` holds every event as { id, event, data, connection }.
 */
const demo = {
  framework: Object.hasOwn(FRAMEWORKS, requested) ? requested : 'express',
  clientId: (crypto.randomUUID?.() ?? Math.random().toString(36).slice(2)).replaceAll('-', '').slice(0, 10),
  state: 'connecting',
  lastEventId: '',
  /** Successful opens over the page's life; the n-th open is "connection n" in `received`. */
  opens: 0,
  /** Opens the browser made on its own after a connection ended (not the page's switches). */
  reconnects: 0,
  received: [],
  source: null,
  /** Who served this page, from /instance.json: `{ instance, redisKey }` (redisKey null when in memory). */
  info: null,
};
window.demo = demo;

let opensOnSource = 0;
let openedAt = 0;

/** Opens a new EventSource on the current framework; `resumeAfter` carries the last id across. */
function connect(resumeAfter) {
  const url = new URL(`/${demo.framework}/events`, location.href);
  url.searchParams.set('client', demo.clientId);
  // A new EventSource starts with an empty last event id, so it would send no Last-Event-ID:
  // the query parameter (read by ssekit when the header is absent) resumes it after a switch.
  if (resumeAfter) url.searchParams.set('lastEventId', resumeAfter);
  const source = new EventSource(url);
  demo.source = source;
  opensOnSource = 0;
  $('endpoint').textContent = `/${demo.framework}/events`;
  setState('connecting');

  source.onopen = () => {
    demo.opens++;
    opensOnSource++;
    openedAt = Date.now();
    const name = FRAMEWORKS[demo.framework];
    if (opensOnSource > 1) {
      demo.reconnects++;
      note(`Reconnected through ${name}; the browser sent Last-Event-ID `, demo.lastEventId || '(none)');
    } else if (resumeAfter) {
      note(`Connected through ${name}, resuming after `, resumeAfter);
    } else {
      note(`Connected through ${name}`);
    }
    setState('open');
  };
  source.onerror = () => {
    if (source !== demo.source) return;
    if (source.readyState === EventSource.CLOSED) {
      setState('closed');
      note('The server refused the stream; the browser will not retry.');
    } else if (demo.state === 'open') {
      setState('reconnecting');
      note('The stream ended; the browser reconnects after the server’s retry hint.');
    }
  };
  source.addEventListener('tick', onTick);
  source.addEventListener('message', onMessage);
  source.addEventListener('ssekit-gap', onGap);
}

/** Records an event exactly as the EventSource delivered it. */
function record(event) {
  demo.received.push({ id: event.lastEventId, event: event.type, data: event.data, connection: demo.opens });
  demo.lastEventId = event.lastEventId;
  $('last-id').textContent = event.lastEventId;
  $('count').textContent = String(demo.received.length);
}

function onTick(event) {
  record(event);
  const { n, at, instance } = JSON.parse(event.data);
  $('tick').textContent = String(n);
  const pill = document.createElement('li');
  pill.textContent = String(n);
  // Instances sharing a channel through Redis each tick, and name themselves in the tick.
  if (instance !== undefined) pill.title = `from ${instance}`;
  // A tick stamped before this connection opened was missed while disconnected and replayed now.
  if (at < openedAt) pill.className = 'replayed';
  else if (instance !== undefined && instance !== demo.info?.instance) pill.className = 'other';
  const ticks = $('ticks');
  ticks.append(pill);
  while (ticks.children.length > TICK_LIMIT) ticks.firstElementChild.remove();
}

function onMessage(event) {
  record(event);
  appendTo($('feed'), messageItem(event.lastEventId, event.data));
}

function onGap(event) {
  record(event);
  const { reason } = JSON.parse(event.data);
  const why = reason === 'epoch' ? 'the server restarted' : `reason: ${reason}`;
  note(`Some missed events could not be replayed (${why}); continuing from `, event.lastEventId);
}

/** Adds a line about the connection to the feed, with an optional id in code style. */
function note(text, code) {
  appendTo($('feed'), noteItem(text, code));
}

/** Tells the client mode what the page's controls just did: `switch`, `drop`, `close` or `open`. */
function tell(action) {
  window.dispatchEvent(new Event(`demo:${action}`));
}

function setState(state) {
  demo.state = state;
  const badge = $('state');
  badge.dataset.state = state;
  badge.textContent = state;
  $('reconnects').textContent = String(demo.reconnects);
  $('toggle').textContent = state === 'closed' ? 'Open' : 'Close';
}

function switchTo(framework) {
  if (framework === demo.framework) return;
  demo.source?.close();
  demo.framework = framework;
  history.replaceState(null, '', `?fw=${framework}`);
  for (const button of document.querySelectorAll('[data-framework]')) {
    button.setAttribute('aria-pressed', String(button.dataset.framework === framework));
  }
  $('broadcast').action = `/${framework}/broadcast`;
  connect(demo.lastEventId);
  tell('switch');
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: body === undefined ? {} : { 'content-type': 'text/plain;charset=utf-8' },
    body,
  });
  if (!response.ok) throw new Error((await response.text()) || `${response.status} ${response.statusText}`);
}

function showError(error) {
  const box = $('form-error');
  box.textContent = error ? String(error.message ?? error) : '';
  box.hidden = !error;
}

/** Shows which instance served the page, so two tabs on two ports show they share one feed. */
async function showInstance() {
  const response = await fetch('/instance.json');
  if (!response.ok) return;
  demo.info = await response.json();
  const { instance, redisKey } = demo.info;
  const line = $('instance');
  const name = document.createElement('strong');
  name.textContent = instance;
  const channel = document.createElement('code');
  channel.textContent = redisKey ?? '';
  line.append('Served by ', name);
  if (redisKey === null) {
    line.append(' · channel in this process’s memory');
  } else {
    line.append(' · channel shared by every instance through the Redis stream ', channel);
    document.querySelector('.other-instance').hidden = false;
  }
  line.hidden = false;
  document.title = `ssekit demo · ${instance}`;
}

$('client').textContent = demo.clientId;
showInstance().catch(() => {});
for (const button of document.querySelectorAll('[data-framework]')) {
  button.setAttribute('aria-pressed', String(button.dataset.framework === demo.framework));
  button.addEventListener('click', () => switchTo(button.dataset.framework));
}
$('broadcast').action = `/${demo.framework}/broadcast`;

$('drop').addEventListener('click', () => {
  post(`/${demo.framework}/drop?client=${encodeURIComponent(demo.clientId)}`).catch(() =>
    note('The server had no open stream for this tab.'),
  );
  tell('drop');
});

$('toggle').addEventListener('click', () => {
  if (demo.state === 'closed') {
    connect(demo.lastEventId);
    tell('open');
    return;
  }
  demo.source.close();
  setState('closed');
  note('Closed by the page with EventSource.close()');
  tell('close');
});

const form = $('broadcast');
const submitButton = form.querySelector('button[type="submit"]');
form.addEventListener('submit', (event) => {
  // Sent with fetch as text/plain, so the text arrives byte for byte (a form post would turn LF into CRLF).
  event.preventDefault();
  // One broadcast at a time, so they reach the channel in the order they were typed; the button
  // comes back when this one is answered (Enter meanwhile does nothing, the text stays in the box).
  if (submitButton.disabled) return;
  const field = form.elements.text;
  const text = field.value;
  if (text.trim() === '') return;
  submitButton.disabled = true;
  post(form.action, text)
    .then(() => {
      // Clear only what was sent: anything typed while the request was on its way stays.
      if (field.value === text) field.value = '';
      showError(undefined);
    }, showError)
    .finally(() => {
      submitButton.disabled = false;
    });
});
form.elements.text.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});

connect();
