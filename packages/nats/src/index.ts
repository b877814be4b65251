export type { NatsChannelErrorCode } from './errors.js';
export { NatsChannelError } from './errors.js';
export type { NatsChannel } from './nats-channel.js';
export { natsChannel } from './nats-channel.js';
export type { NatsChannelOptions } from './options.js';
