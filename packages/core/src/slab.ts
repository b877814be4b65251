/**
 * Small byte arrays carved out of shared 64 KiB slabs. Allocating a typed array of its own for
 * every event costs more than encoding the event; views on a slab cost a view. A slab is never
 * written again where it has been handed out, so the views stay valid forever; but one view kept
 * keeps the whole slab alive. So views are for bytes on their way out: a transport copies what it
 * keeps for a connection that is not taking them (`unshared`, `Backlog`; the rule is in
 * `SSETransport.write`), and a slow client pins only the bytes it is charged for.
 */
const SLAB_SIZE = 65_536; // 64 KiB
/** Larger arrays get their own memory: they would waste most of a slab. */
const MAX_SLAB_ALLOCATION = 8192; // 8 KiB

// Pure: the build puts this module in the chunk `@ssekit/core/internal` shares with the main entry,
// so @ssekit/client's bundle (which imports the parser from there) drops what it does not use.
const encoder = /* @__PURE__ */ new TextEncoder();
let slab = /* @__PURE__ */ new Uint8Array(SLAB_SIZE);
let offset = 0;

/** A zero-filled array of `size` bytes, on a slab when it is small. */
export function allocateBytes(size: number): Uint8Array {
  if (size > MAX_SLAB_ALLOCATION) return new Uint8Array(size);
  if (offset + size > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    offset = 0;
  }
  const bytes = slab.subarray(offset, offset + size);
  // Views start on 8-byte boundaries, as typed-array allocations do.
  offset += (size + 7) & ~7;
  return bytes;
}

/** The UTF-8 bytes of `text`, on a slab when they are few. */
export function encodeText(text: string): Uint8Array {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > MAX_SLAB_ALLOCATION) return encoder.encode(text);
  if (offset + text.length * 3 > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    offset = 0;
  }
  const { written } = encoder.encodeInto(text, slab.subarray(offset));
  const bytes = slab.subarray(offset, offset + written);
  offset += (written + 7) & ~7;
  return bytes;
}

/**
 * `bytes`, or a copy in memory of its own when they are a view into a larger buffer (a slab). What
 * a transport keeps for a slow connection goes through this, so that it pins only its own bytes.
 */
export function unshared(bytes: Uint8Array): Uint8Array {
  return bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** `parts` (`size` bytes in all) joined in memory of their own. */
export function concatBytes(parts: readonly Uint8Array[], size: number): Uint8Array {
  const joined = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}
