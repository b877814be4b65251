export const dynamic = 'force-dynamic';

/**
 * A page for Chromium, served by a route handler (this app has no React pages): it opens an
 * EventSource on /events and one on /chat and records what each receives in `window.received`.
 */
export function GET(): Response {
  return new Response(
    `<!doctype html><meta charset="utf-8"><title>ssekit on Next.js</title>
<script>
  window.received = [];
  for (const [path, type] of [['/events', 'tick'], ['/chat', 'chat']]) {
    const source = new EventSource(path);
    source.addEventListener(type, (e) => window.received.push({ path, data: e.data, id: e.lastEventId }));
    source.addEventListener('open', () => window.received.push({ path, open: true }));
  }
</script>`,
    { headers: { 'content-type': 'text/html; charset=utf-8' } },
  );
}
