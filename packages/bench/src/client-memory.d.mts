/** The clients compared, by the name `client-memory-reader.mjs` takes, with their report labels. */
export const CLIENT_LABELS: Record<'ssekit' | 'eventsource', string>;

/** What one client's read of the long stream came to. */
export interface ClientMemory {
  /** Live heap + arrayBuffers after a forced GC, every `every` events (bytes). */
  samples: number[];
  /** The median of the last three samples minus that of the first three (bytes). */
  growth: number;
  /** Events read per wall-clock second, GCs included. */
  eventsPerSec: number;
}

/** Reads `events` events with `client` in a child process started with --expose-gc. */
export function measureClientMemory(
  client: keyof typeof CLIENT_LABELS,
  options?: { events?: number; every?: number },
): Promise<ClientMemory>;

/** Measures every client in turn; resolves to a markdown table. */
export function clientMemoryTable(
  options?: { events?: number; every?: number },
  clients?: (keyof typeof CLIENT_LABELS)[],
): Promise<string>;
