// The one order every client of a channel on a Redis stream must see: the order of the entry ids.

/** The results of sends, sorted by the entry id (`<ms>-<seq>`) Redis gave each. */
export function inStreamOrder<T extends { id?: string }>(sent: readonly T[]): T[] {
  const parts = (id: string | undefined) => (id as string).split('-').map(BigInt) as [bigint, bigint];
  return [...sent].sort((a, b) => {
    const [aMs, aSeq] = parts(a.id);
    const [bMs, bSeq] = parts(b.id);
    return aMs === bMs ? Number(aSeq - bSeq) : aMs < bMs ? -1 : 1;
  });
}
