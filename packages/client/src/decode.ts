import type { ParsedEvent } from '@ssekit/core';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ClientEvent, GapInfo } from './types.js';

/** How `connect` turns event text into values (its `parse` option). */
export type ParseOption = 'json' | 'text' | ((data: string, type: string) => unknown);

/** The options of `connect` that bear on decoding one event. */
export interface DecodeOptions {
  parse?: ParseOption;
  schemas?: Record<string, StandardSchemaV1> | undefined;
}

/** JSON when the text is JSON, else the text: ssekit sends strings verbatim and other values as JSON. */
function decodeJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/**
 * Turns a parsed event into what the app gets: the gap event into `gap`, the data through `parse`
 * and the type's schema. Rejects with the issues (the schema's, or `parse`'s error) of an event
 * that cannot be delivered.
 */
export async function decodeEvent<Events extends Record<string, unknown>>(
  { type, data, lastEventId }: ParsedEvent,
  { parse = 'json', schemas }: DecodeOptions,
  /** The server's gap event name, or `false`. */
  gapEvent: string | false,
): Promise<ClientEvent<Events>> {
  const gap = type === gapEvent;
  let value = gap || parse === 'json' ? decodeJson(data) : parse === 'text' ? data : parse(data, type);
  if (gap) {
    const info = value as GapInfo | null;
    if (typeof info?.lastEventId !== 'string' || typeof info.reason !== 'string')
      throw [{ message: 'Not { lastEventId, reason }' }];
  } else {
    // Validation may be async (Standard Schema allows it); events still go out in order.
    const result = await schemas?.[type]?.['~standard'].validate(value);
    if (result?.issues) throw result.issues;
    if (result) value = result.value;
  }
  return { type: gap ? 'gap' : type, data: value, lastEventId } as ClientEvent<Events>;
}
