// The feed lists both connections of the page write to: a broadcast as it arrived, and notes about
// the connection. Shared by app.js (the native EventSource) and client-mode.js (@ssekit/client).

const FEED_LIMIT = 200;

/** A received broadcast: its time, its id and its text exactly as it arrived. */
export function messageItem(id, text) {
  const item = document.createElement('li');
  item.className = 'message';
  item.dataset.id = id;
  const meta = document.createElement('div');
  meta.className = 'meta';
  const code = document.createElement('code');
  code.textContent = id;
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  meta.append(time, code);
  const data = document.createElement('pre');
  data.className = 'data';
  data.textContent = text;
  item.append(meta, data);
  return item;
}

/** A line about the connection, with an optional id in code style. */
export function noteItem(text, code) {
  const item = document.createElement('li');
  item.className = 'note';
  item.append(text);
  if (code !== undefined) {
    const id = document.createElement('code');
    id.textContent = code;
    item.append(id);
  }
  return item;
}

/** Appends to a feed list, keeping its newest entries. */
export function appendTo(feed, item) {
  // Follow the newest entry only if the reader has not scrolled up to read older ones.
  const atBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
  feed.append(item);
  while (feed.children.length > FEED_LIMIT) feed.firstElementChild.remove();
  if (atBottom) feed.scrollTop = feed.scrollHeight;
}
