/**
 * Default name of the in-band event a reconnecting client gets when its missed events cannot be
 * replayed. A module of its own so that `@ssekit/client` takes it without the channel.
 */
export const DEFAULT_GAP_EVENT = 'ssekit-gap';
