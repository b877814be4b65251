import { type SSEStream, sse } from '@ssekit/express';
import { closeAfterTest, deferred, describeOptionChecks } from '@ssekit/test-kit';
import type { Express, Response } from 'express';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { connect, expressVersions, listen } from './helpers.js';

describe.each(expressVersions)('sse() (%s)', (_name, express) => {
  function ordinaryRoutes(app: Express): Express {
    app.get('/json', (_req, res) => {
      res.status(201).set('x-custom', 'yes').json({ hello: 'world' });
    });
    app.get('/text', (_req, res) => {
      res.type('text/plain').send('plain');
    });
    app.get('/missing', (_req, res) => {
      res.sendStatus(404);
    });
    return app;
  }

  it.each(['/json', '/text', '/missing'])(
    'leaves %s, which never reads res.sse, answered exactly as without the middleware',
    async (path) => {
      const without = await supertest(ordinaryRoutes(express())).get(path);
      const withGlobal = express();
      withGlobal.use(sse());
      const globally = await supertest(ordinaryRoutes(withGlobal)).get(path);

      const { date: _d1, ...headersWithout } = without.headers;
      const { date: _d2, ...headersWith } = globally.headers;
      expect(globally.status).toBe(without.status);
      expect(headersWith).toEqual(headersWithout);
      expect(globally.text).toBe(without.text);
    },
  );

  it('opens the stream the same whether sse() is global or on the route', async () => {
    const globalApp = express();
    globalApp.use(sse());
    globalApp.get('/events', (_req, res) => {
      res.sse.send('hi');
      res.sse.close();
    });
    const routeApp = express();
    routeApp.get('/events', sse(), (_req, res) => {
      res.sse.send('hi');
      res.sse.close();
    });

    for (const app of [globalApp, routeApp]) {
      const response = await supertest(app).get('/events');
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect(response.text).toBe('data: hi\n\n');
    }
  });

  it("uses a route's own options over those of the global sse()", async () => {
    const app = express();
    app.use(sse({ retry: 1000, headers: { 'x-from': 'global' } }));
    app.get('/route', sse({ retry: 2000 }), (_req, res) => res.sse.close());
    app.get('/global', (_req, res) => res.sse.close());

    const route = await supertest(app).get('/route');
    expect(route.text).toBe('retry: 2000\n\n');
    expect(route.headers['x-from']).toBeUndefined();
    const global = await supertest(app).get('/global');
    expect(global.text).toBe('retry: 1000\n\n');
    expect(global.headers['x-from']).toBe('global');
  });

  it('keeps the stream an earlier handler opened when a later sse() runs', async () => {
    const streams = deferred<[SSEStream, SSEStream]>();
    const app = express();
    app.use(sse({ retry: 1000 }));
    app.get(
      '/events',
      (_req, res, next) => {
        res.sse.send('opened early');
        next();
      },
      sse({ retry: 2000 }),
      sse((stream, _req, res: Response) => {
        streams.resolve([stream, res.sse]);
        stream.close();
      }),
    );

    const response = await supertest(app).get('/events');
    expect(response.text).toBe('retry: 1000\n\ndata: opened early\n\n');
    const [fromHandler, fromRes] = await streams.promise;
    expect(fromHandler).toBe(fromRes);
  });

  it('delivers events sent in a loop one by one to a reading client', async () => {
    const opened = deferred<SSEStream>();
    const app = express();
    app.get('/events', sse(), (_req, res) => opened.resolve(res.sse));
    const server = closeAfterTest(await listen(app));

    const client = await connect(`${server.url}/events`);
    const stream = await opened.promise;
    for (let i = 0; i < 3; i++) {
      stream.send({ n: i }, { event: 'tick', id: String(i) });
      expect(await client.next()).toEqual({ type: 'tick', data: `{"n":${i}}`, lastEventId: String(i) });
    }
    stream.close();
    expect(await client.next()).toBeUndefined();
  });

  it('drains, through close(), every stream res.sse opened with its options; the server then closes', async () => {
    const global = sse();
    const route = sse({ heartbeat: false });
    const app = express();
    app.use(global);
    app.get('/global', (_req, res) => res.sse.send('on global'));
    app.get('/route', route, (_req, res) => res.sse.send('on route'));
    const last = { event: { data: 'bye', event: 'shutdown' }, retry: 2000 };
    const server = closeAfterTest(
      await listen(app, () => Promise.all([global.close(last), route.close(last)]).then(() => {})),
    );

    const clients = [await connect(`${server.url}/global`), await connect(`${server.url}/route`)];
    for (const client of clients) await client.next();
    expect([global.size, route.size]).toEqual([1, 1]);
    await server.shutdown();
    expect([global.size, route.size]).toEqual([0, 0]);
    for (const client of clients) {
      expect(await client.next()).toEqual({ type: 'shutdown', data: 'bye', lastEventId: '' });
      expect(await client.next()).toBeUndefined();
    }
  });
});

describeOptionChecks({
  middleware: (options) => sse(options),
  handler: (options) => sse(() => {}, options),
});
