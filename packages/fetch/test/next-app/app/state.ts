import { type CloseReason, createChannel, type SSEStream } from '@ssekit/fetch';

/** What the routes share: Next.js may load each route's module separately, so it lives on globalThis. */
interface AppState {
  open: Set<SSEStream>;
  closeReasons: CloseReason[];
  chat: ReturnType<typeof createChannel>;
}

const holder = globalThis as { ssekitTestApp?: AppState };

holder.ssekitTestApp ??= { open: new Set(), closeReasons: [], chat: createChannel({ history: 100 }) };

/** The one state of this server process. */
export const state: AppState = holder.ssekitTestApp;

/** Counts `stream` as open until it closes, and records why it closed. */
export function track(stream: SSEStream): void {
  state.open.add(stream);
  stream.onClose(() => {
    state.open.delete(stream);
    state.closeReasons.push(stream.closeReason ?? 'server');
  });
}
