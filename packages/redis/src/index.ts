export type { RedisChannelErrorCode } from './errors.js';
export { RedisChannelError } from './errors.js';
export type { RedisChannelOptions, RedisClusterConfig, RedisTarget } from './options.js';
export type { RedisChannel } from './redis-channel.js';
export { redisChannel } from './redis-channel.js';
export { redisResumableLog } from './resumable-log.js';
export type { RedisResumableLogOptions } from './resumable-options.js';
export { compareStreamIds, parseStreamId } from './stream-id.js';
