// Watching a response body from the client's side.

/** Reads a body to its end: resolves `'ended'` or `'cut'` (the connection broke), or `'open'` after `ms`. */
export async function outcomeWithin(
  body: ReadableStream<Uint8Array>,
  ms: number,
): Promise<'ended' | 'cut' | 'open'> {
  const reader = body.getReader();
  const timer = new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms));
  const read = (async () => {
    try {
      while (!(await reader.read()).done) {}
      return 'ended' as const;
    } catch {
      return 'cut' as const;
    }
  })();
  const outcome = await Promise.race([read, timer]);
  if (outcome === 'open') await reader.cancel().catch(() => {});
  return outcome;
}
