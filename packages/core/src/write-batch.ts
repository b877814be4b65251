/** Microtask turns a busy producer's writes may be held for, at most, before they go out. */
const MAX_HELD_TURNS = 64;

/**
 * A transport whose writes are held until the current burst is over, then released at once, so a
 * burst leaves as one write to the connection (one `writev`, one body chunk) rather than one per
 * event. The fields are the batch's bookkeeping, kept on the transport itself so that thousands
 * of streams cost no closure or timer each.
 */
export interface Batched {
  batchHeld: boolean;
  batchWrites: number;
  batchTurns: number;
  batchIdleTurns: number;
  /** Sends what was held. */
  releaseBatch(): void;
  /** Whether enough is held that it should go out now. */
  batchFull(): boolean;
}

let waiting: Batched[] = [];
let scheduled = false;

/**
 * Notes a write on `target`. Returns `true` when it starts a new batch (time to cork, say). A burst
 * is over when two microtask turns pass without a write: a producer that awaits every `send`
 * writes once per turn (its continuation is queued just after the check), and one that loops
 * synchronously writes everything before the first check. Nothing waits for a timer: a lone event
 * goes out at the end of the task that wrote it. One microtask checks every waiting transport.
 */
export function holdWrite(target: Batched): boolean {
  if (target.batchHeld) {
    target.batchWrites++;
    return false;
  }
  target.batchHeld = true;
  waiting.push(target);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(checkWaiting);
  }
  return true;
}

function checkWaiting(): void {
  scheduled = false;
  const batch = waiting;
  waiting = [];
  for (const target of batch) {
    if (target.batchTurns < MAX_HELD_TURNS && !target.batchFull()) {
      target.batchIdleTurns = target.batchWrites > 0 ? 0 : target.batchIdleTurns + 1;
      if (target.batchIdleTurns < 2) {
        target.batchWrites = 0;
        target.batchTurns++;
        waiting.push(target);
        continue;
      }
    }
    target.batchHeld = false;
    target.batchWrites = 0;
    target.batchTurns = 0;
    target.batchIdleTurns = 0;
    target.releaseBatch();
  }
  if (waiting.length > 0) {
    scheduled = true;
    queueMicrotask(checkWaiting);
  }
}
