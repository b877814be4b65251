/** Microtask turns a busy producer's writes may be held for, at most, before they go out. */
const MAX_HELD_TURNS = 64;
/** Bytes a burst may collect before they go out at once, without waiting for the burst to end. */
export const MAX_BATCH_BYTES = 16_384; // 16 KiB

/** Where a batch sends a burst once it is over: the transport that owns the batch. */
export interface BurstSink {
  /** Sends a burst: `parts` (at least one) holding `size` bytes in all. */
  sendBurst(parts: readonly Uint8Array[], size: number): void;
}

/**
 * The writes of one transport, held until the current burst is over and then handed to its sink at
 * once, so a burst leaves as one write to the connection (one `writev`, one body chunk) rather than
 * one per event. One per transport, made on its first write; every batch waiting for its burst to
 * end is checked by one shared microtask, so thousands of streams cost no closure or timer each.
 *
 * A burst is over when two microtask turns pass without a write: a producer that awaits every
 * `send` writes once per turn (its continuation is queued just after the check), and one that loops
 * synchronously writes everything before the first check. Nothing waits for a timer: a lone event
 * goes out at the end of the task that wrote it.
 */
export class WriteBatch {
  private static waiting: WriteBatch[] = [];
  private static scheduled = false;

  private parts: Uint8Array[] = [];
  private size = 0;
  private queued = false;
  private writes = 0;
  private turns = 0;
  private idleTurns = 0;

  constructor(private readonly sink: BurstSink) {}

  /** Bytes held for the current burst. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Holds `chunk` until the burst is over. The chunk may be a view into a shared slab: the sink
   * gets it before the burst's task ends and must copy what it keeps (see `SSETransport.write`).
   */
  add(chunk: Uint8Array): void {
    this.parts.push(chunk);
    this.size += chunk.byteLength;
    if (this.queued) this.writes++;
    else {
      this.queued = true;
      WriteBatch.waiting.push(this);
      if (!WriteBatch.scheduled) {
        WriteBatch.scheduled = true;
        queueMicrotask(WriteBatch.checkWaiting);
      }
    }
    // A producer that writes a lot without pausing gets its bytes out as they pile up.
    if (this.size >= MAX_BATCH_BYTES) this.release();
  }

  /** Hands what is held to the sink now. */
  release(): void {
    const { parts, size } = this;
    if (size === 0) return;
    this.parts = [];
    this.size = 0;
    this.sink.sendBurst(parts, size);
  }

  /** Forgets what is held (the connection is being torn down). */
  discard(): void {
    this.parts = [];
    this.size = 0;
  }

  private static checkWaiting(this: void): void {
    WriteBatch.scheduled = false;
    const batches = WriteBatch.waiting;
    WriteBatch.waiting = [];
    for (const batch of batches) {
      if (batch.turns < MAX_HELD_TURNS && batch.size < MAX_BATCH_BYTES) {
        batch.idleTurns = batch.writes > 0 ? 0 : batch.idleTurns + 1;
        if (batch.idleTurns < 2) {
          batch.writes = 0;
          batch.turns++;
          WriteBatch.waiting.push(batch);
          continue;
        }
      }
      batch.queued = false;
      batch.writes = 0;
      batch.turns = 0;
      batch.idleTurns = 0;
      batch.release();
    }
    if (WriteBatch.waiting.length > 0) {
      WriteBatch.scheduled = true;
      queueMicrotask(WriteBatch.checkWaiting);
    }
  }
}
