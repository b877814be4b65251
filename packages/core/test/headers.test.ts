import { describe, expect, it } from 'vitest';
import { eventStreamHeaders } from '../src/headers.js';

const defaults = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

describe('eventStreamHeaders', () => {
  it('sends the event-stream content type, no caching and no proxy buffering', () => {
    expect(eventStreamHeaders({ connectionHeader: false })).toEqual(defaults);
  });

  it('adds Connection: keep-alive only for HTTP/1.x', () => {
    expect(eventStreamHeaders({ connectionHeader: true })).toEqual({ ...defaults, connection: 'keep-alive' });
  });

  it('lets a user header replace the default of the same name whatever its case', () => {
    const headers = eventStreamHeaders({
      connectionHeader: true,
      headers: { 'CACHE-CONTROL': 'no-store', 'Content-Type': 'text/event-stream', Connection: 'close' },
    });
    expect(headers).toEqual({
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'close',
    });
  });

  it('adds user headers beside the defaults, lower-cased', () => {
    expect(
      eventStreamHeaders({ connectionHeader: false, headers: { 'Access-Control-Allow-Origin': '*' } }),
    ).toEqual({
      ...defaults,
      'access-control-allow-origin': '*',
    });
  });

  it('drops a user Connection header where connection headers are forbidden (HTTP/2)', () => {
    const headers = eventStreamHeaders({
      connectionHeader: false,
      headers: { Connection: 'keep-alive', 'X-A': '1' },
    });
    expect(headers).toEqual({ ...defaults, 'x-a': '1' });
  });

  it('does not change the headers object it was given', () => {
    const user = { 'X-A': '1' };
    eventStreamHeaders({ connectionHeader: false, headers: user });
    expect(user).toEqual({ 'X-A': '1' });
  });
});
