/** Size of the blocks a backlog copies bytes into. */
const BLOCK_SIZE = 16_384; // 16 KiB

/**
 * Bytes kept for a connection that is not taking them, copied into blocks of the backlog's own.
 * A connection that stops reading would otherwise hold every chunk it was handed: views that keep
 * whole shared slabs alive, and per-chunk bookkeeping that outweighs a small event many times. In
 * blocks, what a stuck client keeps alive is the bytes it is charged for, plus one part-filled block.
 */
export class Backlog {
  private full: Uint8Array[] = [];
  private block: Uint8Array | undefined;
  private used = 0;
  /** Bytes kept. */
  bytes = 0;

  /** Copies `chunk` in. */
  append(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.byteLength) {
      let block = this.block;
      if (block === undefined || this.used === block.byteLength) {
        if (block !== undefined) this.full.push(block);
        block = this.block = new Uint8Array(BLOCK_SIZE);
        this.used = 0;
      }
      const count = Math.min(chunk.byteLength - offset, block.byteLength - this.used);
      block.set(
        offset === 0 && count === chunk.byteLength ? chunk : chunk.subarray(offset, offset + count),
        this.used,
      );
      this.used += count;
      offset += count;
    }
    this.bytes += chunk.byteLength;
  }

  /** Takes every byte kept, in order, and empties the backlog. */
  take(): Uint8Array[] {
    const blocks = this.full;
    if (this.block !== undefined && this.used > 0) blocks.push(this.block.subarray(0, this.used));
    this.full = [];
    this.block = undefined;
    this.used = 0;
    this.bytes = 0;
    return blocks;
  }
}
