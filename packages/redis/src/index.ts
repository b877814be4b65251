export type { RedisChannelErrorCode } from './errors.js';
export { RedisChannelError } from './errors.js';
export type { RedisChannel, RedisChannelOptions } from './redis-channel.js';
export { redisChannel } from './redis-channel.js';
export { compareStreamIds, parseStreamId } from './stream-id.js';
