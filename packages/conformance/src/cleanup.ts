/** Clients a test opened and has not closed: closed after every test, so a failure leaves nothing open. */
const open = new Set<() => unknown>();

/** Registers how to close a client; returns a function that closes it now (once) and unregisters it. */
export function track(close: () => unknown): () => Promise<void> {
  let closing: Promise<void> | undefined;
  const closeOnce = () => {
    open.delete(closeOnce);
    closing ??= Promise.resolve(close()).then(() => {});
    return closing;
  };
  open.add(closeOnce);
  return closeOnce;
}

/** Closes every client still open. */
export async function closeClients(): Promise<void> {
  await Promise.all([...open].map((close) => close()));
}
