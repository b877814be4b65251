import { describe, expect, it } from 'vitest';
import { DEFAULT_LAST_EVENT_ID_QUERY, readLastEventId } from '../src/last-event-id.js';

describe('readLastEventId', () => {
  it('returns the Last-Event-ID header exactly as sent', () => {
    expect(readLastEventId('42', '/events')).toBe('42');
    expect(readLastEventId('ид-😀 x', undefined)).toBe('ид-😀 x');
  });

  it('decodes a header whose UTF-8 bytes arrived as latin1 characters', () => {
    const sent = 'café-日本-😀';
    const asNodeGivesIt = String.fromCharCode(...new TextEncoder().encode(sent));
    expect(readLastEventId(asNodeGivesIt, '/events')).toBe(sent);
    // A leading BOM is part of the id, not a byte-order mark to strip.
    expect(readLastEventId('\u00ef\u00bb\u00bfx', '/events')).toBe('\ufeffx');
  });

  it('keeps a header that is not valid UTF-8 as it came', () => {
    expect(readLastEventId('caf\u00e9', '/events')).toBe('caf\u00e9');
    expect(readLastEventId('\u00c3', '/events')).toBe('\u00c3');
  });

  it('prefers the header over the query parameter', () => {
    expect(readLastEventId('from-header', '/events?lastEventId=from-query')).toBe('from-header');
  });

  it('takes the first value of a repeated header', () => {
    expect(readLastEventId(['7', '8'], '/events')).toBe('7');
  });

  it('falls back to the lastEventId query parameter, decoded', () => {
    expect(DEFAULT_LAST_EVENT_ID_QUERY).toBe('lastEventId');
    expect(readLastEventId(undefined, '/events?lastEventId=5')).toBe('5');
    expect(readLastEventId(null, '/events?a=1&lastEventId=a%20b%26c')).toBe('a b&c');
  });

  it('reads a custom query parameter and ignores the default one then', () => {
    expect(readLastEventId(undefined, '/events?since=9&lastEventId=5', 'since')).toBe('9');
    expect(readLastEventId(undefined, '/events?lastEventId=5', 'since')).toBeUndefined();
  });

  it('reads only the header when the query fallback is turned off', () => {
    expect(readLastEventId(undefined, '/events?lastEventId=5', false)).toBeUndefined();
    expect(readLastEventId('3', '/events?lastEventId=5', false)).toBe('3');
  });

  it('treats an empty header or parameter as no last event id', () => {
    expect(readLastEventId('', '/events')).toBeUndefined();
    expect(readLastEventId([], '/events')).toBeUndefined();
    expect(readLastEventId(undefined, '/events?lastEventId=')).toBeUndefined();
    // Clients send no header after an id reset; an empty one must not hide the query fallback.
    expect(readLastEventId('', '/events?lastEventId=5')).toBe('5');
  });

  it('returns undefined on a first connection', () => {
    expect(readLastEventId(undefined, '/events')).toBeUndefined();
    expect(readLastEventId(undefined, undefined)).toBeUndefined();
    expect(readLastEventId(undefined, '')).toBeUndefined();
  });

  it('reads the query of an absolute URL', () => {
    expect(readLastEventId(undefined, 'https://example.test:8443/events?lastEventId=12')).toBe('12');
  });

  it('stops the query at the fragment', () => {
    expect(readLastEventId(undefined, '/events?lastEventId=12#lastEventId=99')).toBe('12');
    expect(readLastEventId(undefined, '/events?lastEventId=12#frag')).toBe('12');
  });

  it('does not read a "?" that is inside the fragment as a query', () => {
    expect(readLastEventId(undefined, '/events#section?lastEventId=99')).toBeUndefined();
    expect(readLastEventId(undefined, 'https://example.test/events#a?lastEventId=99')).toBeUndefined();
  });
});
