import type { ParsedEvent } from '@ssekit/core';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { ClientEvent, GapInfo } from './types.js';

/** How `connect` turns event text into values (its `parse` option). */
export type ParseOption = 'json' | 'text' | ((data: string, type: string) => unknown);

/** What decoding one event needs: the options of `connect` that bear on it. */
export interface DecodeOptions {
  parse?: ParseOption;
  schemas?: Record<string, StandardSchemaV1> | undefined;
  /** The server's gap event name, or `false`. */
  gapEvent: string | false;
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
 * and the type's schema. Resolves to `{ issues }` for an event that cannot be delivered.
 */
export async function decodeEvent<Events extends Record<string, unknown>>(
  raw: ParsedEvent,
  { parse = 'json', schemas, gapEvent }: DecodeOptions,
): Promise<{ event: ClientEvent<Events> } | { issues: unknown }> {
  const { type, data, lastEventId } = raw;
  if (type === gapEvent) {
    const gap = decodeJson(data) as GapInfo;
    if (typeof gap?.lastEventId === 'string' && typeof gap.reason === 'string')
      return {
        event: { type: 'gap', data: { lastEventId: gap.lastEventId, reason: gap.reason }, lastEventId },
      };
    return { issues: [{ message: 'Not { lastEventId, reason }' }] };
  }
  let value: unknown;
  try {
    value = parse === 'json' ? decodeJson(data) : parse === 'text' ? data : parse(data, type);
  } catch (error) {
    return { issues: error };
  }
  const schema = schemas?.[type];
  if (schema) {
    let result = schema['~standard'].validate(value);
    // Validation may be async (Standard Schema allows it); events still go out in order.
    if (result instanceof Promise) result = await result;
    if (result.issues) return { issues: result.issues };
    value = result.value;
  }
  return { event: { type, data: value, lastEventId } as ClientEvent<Events> };
}
