/** The prefix of every benchmark event's data: the load client counts an event when it sees it. */
export const MARKER: string;
/** Event data of exactly `bytes` bytes (ASCII), starting with MARKER. */
export function payloadOf(bytes: number): string;
