import { streamSetup, validateSSEOptions, withStreamGroup } from '@ssekit/core';
import type { FastifyPluginAsync, FastifyReply, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { handlerFormOf } from './handler.js';
import { mergeOptions, type SSEFastifyOptions, streamOptionsOf } from './options.js';
import { handlerRoute, lazyRoute, notSetUp, type RouteHandler, replies } from './routes.js';

/** The handler each route was declared with, by the handler the plugin replaced it with. */
const declaredHandlers = new WeakMap<object, object>();

// Async, so that a bad option rejects the registration (`await app.register(...)`).
const plugin: FastifyPluginAsync<SSEFastifyOptions> = async (fastify, pluginOptions) => {
  const options = streamOptionsOf(pluginOptions);
  // A bad option fails the registration, not the first request.
  const scopeSetup = streamSetup(options);
  const { group } = scopeSetup;
  fastify.decorate('sse', withStreamGroup({}, group));
  fastify.decorateReply('sse', {
    getter(this: FastifyReply) {
      const stream = replies.read(this);
      if (stream === undefined) throw notSetUp('reply.sse');
      return stream;
    },
  });
  // Each route of the scope, as it is declared: its options, and a handler that prepares reply.sse.
  fastify.addHook('onRoute', (route: RouteOptions) => {
    // A plugin registered again in a child scope sees the route after the outer one set it up: it
    // sets up the handler as declared, so the innermost registration's options apply.
    const declared = declaredHandlers.get(route.handler) ?? route.handler;
    const routeOptions = route.config?.sse;
    const form = handlerFormOf(declared);
    let setup = scopeSetup;
    if (routeOptions !== undefined || form !== undefined) {
      const merged = mergeOptions(mergeOptions(options, routeOptions), form && streamOptionsOf(form.options));
      // A bad `config.sse` fails here, in the app.get(...) that declared it.
      validateSSEOptions(merged);
      setup = { options: merged, group };
    }
    const onError = form?.options.onError ?? pluginOptions.onError;
    route.handler = form
      ? handlerRoute(form.handler, setup, onError)
      : lazyRoute(declared as RouteHandler, setup, onError);
    declaredHandlers.set(route.handler, declared);
  });
  // Before Fastify waits for its connections to end, which an open stream never would by itself.
  fastify.addHook('preClose', (hookDone) => {
    group.close().then(() => hookDone(), hookDone);
  });
};

/**
 * The Fastify plugin: gives every route of the scope it is registered in (and that scope's
 * children, not its siblings) `reply.sse`, an event stream on the request that opens on its first
 * read (status 200 and the event-stream headers go out at once, and Fastify hands the response over
 * with `reply.hijack()`); a route that never reads it answers as usual. Its options are the
 * defaults of every route in the scope; a route's `config.sse` and `sse(handler, options)` override
 * them option by option (`headers` by name). Register it before the routes that use it
 * (`await app.register(ssePlugin)`): it sets up each route as it is declared.
 *
 * `app.sse.size` counts the scope's open streams; `app.sse.close(options)` drains them (a last
 * event, a retry hint, spread over `over` ms). `app.close()` closes every stream still open at
 * once, before Fastify waits for connections to end, or awaits a drain already begun.
 *
 * @throws SSERangeError / SSEFieldError at registration for an invalid option, and from the
 *   `app.get(...)` whose `config.sse` holds one
 */
export const ssePlugin: FastifyPluginAsync<SSEFastifyOptions> = fp(plugin, {
  fastify: '5.x',
  name: '@ssekit/fastify',
});
