/** Microtask turns a busy producer's writes may be held for, at most, before they go out. */
const MAX_HELD_TURNS = 64;

/**
 * Holds a transport's writes until the current burst is over, then calls `release` once, so a
 * burst leaves as one write to the connection (one `writev`, one body chunk) rather than one per
 * event. A burst is over when two microtask turns pass without a write: a producer that awaits
 * every `send` writes once per turn (its continuation is queued just after this check), and one
 * that loops synchronously writes everything before the first check. Nothing waits for a timer:
 * a lone event goes out at the end of the task that wrote it. `full` bounds what is held.
 */
export class WriteBatch {
  private held = false;
  private writes = 0;
  private turns = 0;
  private idleTurns = 0;

  constructor(
    private readonly release: () => void,
    private readonly full: () => boolean,
  ) {}

  /** Notes a write. Returns `true` when it starts a new batch (time to cork, say). */
  add(): boolean {
    if (this.held) {
      this.writes++;
      return false;
    }
    this.held = true;
    queueMicrotask(this.check);
    return true;
  }

  private readonly check = (): void => {
    if (this.turns < MAX_HELD_TURNS && !this.full()) {
      this.idleTurns = this.writes > 0 ? 0 : this.idleTurns + 1;
      if (this.idleTurns < 2) {
        this.writes = 0;
        this.turns++;
        queueMicrotask(this.check);
        return;
      }
    }
    this.held = false;
    this.writes = 0;
    this.turns = 0;
    this.idleTurns = 0;
    this.release();
  };
}
