// The page's client mode: the same channel read with @ssekit/client's connect(), through a request
// the browser's EventSource cannot make: a POST with an Authorization header. The import map in
// index.html points `@ssekit/client` (and the `@ssekit/core` it imports) at the packages' builds,
// which the demo server serves under /modules/. app.js runs first and tells this module what its
// controls did (`demo:switch`, `demo:drop`, `demo:close`, `demo:open` on window).

import { connect } from '@ssekit/client';
import { appendTo, messageItem, noteItem } from './feed.js';

/** The token the demo's POST route asks for (src/token.ts); a request without it gets a 401. */
const TOKEN = 'demo';

const $ = (id) => document.getElementById(id);
const { demo } = window;

/**
 * The client mode's state, `window.demo.clientMode`, shaped like `window.demo`: `received` holds
 * every event as { id, event, data, connection } exactly as the client delivered it.
 */
const mode = {
  // Its own client id, so the server can drop this stream apart from the EventSource's.
  clientId: `${demo.clientId}p`,
  state: 'connecting',
  lastEventId: '',
  /** Successful opens over the page's life; the n-th open is "connection n" in `received`. */
  opens: 0,
  /** Opens the client made on its own after a stream ended (not the page's switches). */
  reconnects: 0,
  received: [],
  client: null,
};
demo.clientMode = mode;

/** Connects on the page's current framework; `resumeAfter` carries the last id across a switch. */
function start(resumeAfter = '') {
  const path = `/${demo.framework}/events`;
  const client = connect(`${path}?client=${encodeURIComponent(mode.clientId)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}` },
    // Sent as the Last-Event-ID header on the first request: a header works here, no query needed.
    lastEventId: resumeAfter,
    parse: 'text',
  });
  mode.client = client;
  $('client-endpoint').textContent = `POST ${path}`;
  let opensOnClient = 0;

  client.onState(({ state, error, delay }) => {
    if (client !== mode.client) return;
    if (state === 'open') {
      mode.opens++;
      opensOnClient++;
      if (opensOnClient > 1) {
        mode.reconnects++;
        note('Resumed; the client sent Last-Event-ID ', mode.lastEventId || '(none)');
      } else {
        note(`POST ${path} open${resumeAfter ? ', resuming after ' : ''}`, resumeAfter || undefined);
      }
    } else if (state === 'reconnecting') {
      note(`The stream ended; the POST is sent again (it has a last id) in ${Math.round(delay)} ms`);
    } else if (state === 'closed' && error) {
      note(`Closed: ${error.message}`);
    }
    setState(state);
  });
  client.on('tick', (event) => {
    record(event);
    $('client-tick').textContent = String(JSON.parse(event.data).n);
  });
  client.on('message', (event) => {
    record(event);
    appendTo($('client-feed'), messageItem(event.lastEventId, event.data));
  });
  client.on('gap', (event) => {
    record(event);
    note('Some missed events could not be replayed; continuing from ', event.lastEventId);
  });
}

/** Records an event exactly as the client delivered it. */
function record(event) {
  mode.received.push({ id: event.lastEventId, event: event.type, data: event.data, connection: mode.opens });
  mode.lastEventId = event.lastEventId;
  $('client-last-id').textContent = event.lastEventId;
  $('client-count').textContent = String(mode.received.length);
}

function note(text, code) {
  appendTo($('client-feed'), noteItem(text, code));
}

function setState(state) {
  mode.state = state;
  const badge = $('client-state');
  badge.dataset.state = state;
  badge.textContent = state;
  $('client-reconnects').textContent = String(mode.reconnects);
}

function restart() {
  mode.client?.close();
  start(mode.lastEventId);
}

window.addEventListener('demo:switch', restart);
window.addEventListener('demo:open', restart);
window.addEventListener('demo:close', () => {
  mode.client.close();
  note('Closed by the page with client.close()');
});
window.addEventListener('demo:drop', () => {
  fetch(`/${demo.framework}/drop?client=${encodeURIComponent(mode.clientId)}`, { method: 'POST' }).then(
    (response) => {
      if (!response.ok) note('The server had no open stream for the client mode.');
    },
    () => {},
  );
});

$('client-id').textContent = mode.clientId;
start();
