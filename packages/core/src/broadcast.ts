/**
 * The encoded bytes of one broadcast, written unchanged to every stream of a channel. Nothing writes
 * to them after they are made, so a transport may derive from them once for all streams: the Node
 * transport keeps their HTTP/1.1 chunk framing in `framed`, built by the first stream that needs it.
 * Bytes a caller owns carry no such promise (the caller may refill the buffer), so they are framed
 * on every write.
 */
export class EncodedBroadcast extends Uint8Array {
  /** The bytes framed as one HTTP/1.1 chunk, in memory of their own; set by the Node transport. */
  framed: Uint8Array | undefined = undefined;
}

// Pure (as in slab.ts): a bundle that uses no broadcast, such as @ssekit/client's, drops it.
const encoder = /* @__PURE__ */ new TextEncoder();

/** Encodes the text of a broadcast (complete event blocks) once, for every stream it goes to. */
export function encodeBroadcast(text: string): EncodedBroadcast {
  const bytes = encoder.encode(text);
  return new EncodedBroadcast(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
