/**
 * Redis stream entry ids: `<milliseconds>-<sequence>`, both unsigned 64-bit decimal numbers. They
 * are compared as numbers, never as text: "10-0" comes after "9-0".
 */

// Canonical form only (no leading zeros, no sign): the form Redis itself issues, so an id a client
// sends back is either byte-identical to one Redis issued or not one of ours.
const STREAM_ID = /^(0|[1-9][0-9]{0,19})-(0|[1-9][0-9]{0,19})$/;
const MAX_U64 = (1n << 64n) - 1n;

/** The id before every entry: XREAD and XRANGE from here see the whole stream. */
export const STREAM_START = '0-0';

/** The two parts of a canonical stream id, or `undefined` for anything else. */
export function parseStreamId(id: string): readonly [ms: bigint, seq: bigint] | undefined {
  const match = STREAM_ID.exec(id);
  if (!match) return undefined;
  const ms = BigInt(match[1] as string);
  const seq = BigInt(match[2] as string);
  return ms <= MAX_U64 && seq <= MAX_U64 ? [ms, seq] : undefined;
}

/** Orders two stream ids: negative if `a` is older, 0 if equal, positive if newer. Malformed ids count as `0-0`. */
export function compareStreamIds(a: string, b: string): number {
  if (a === b) return 0;
  const [aMs, aSeq] = parseStreamId(a) ?? [0n, 0n];
  const [bMs, bSeq] = parseStreamId(b) ?? [0n, 0n];
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aSeq === bSeq ? 0 : aSeq < bSeq ? -1 : 1;
}
