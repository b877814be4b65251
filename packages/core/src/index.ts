export type { ChannelBus } from './bus.js';
export { localBus } from './bus.js';
export type {
  AddOptions,
  ChannelMonitor,
  ChannelOptions,
  ChannelSendOptions,
  ChannelStats,
} from './channel.js';
export { Channel, createChannel } from './channel.js';
export type { DrainOptions } from './drain.js';
export { MAX_DRAIN_MS } from './drain.js';
export { commentLines, encodeEvent, jsonSerializer, MAX_RETRY_MS } from './encode.js';
export type { SSEErrorCode, SSEField } from './errors.js';
export { SSEFieldError, SSERangeError } from './errors.js';
export { DEFAULT_GAP_EVENT } from './gap-event.js';
export type { HeaderOptions } from './headers.js';
export { eventStreamHeaders } from './headers.js';
export { heartbeatStats } from './heartbeat.js';
export type {
  ChannelMessage,
  DeliveringHistory,
  GapReason,
  HistoryStore,
  LiveGap,
  MemoryHistoryOptions,
  ReplayPageOptions,
  ReplayResult,
  StoredMessage,
} from './history.js';
export { isDeliveringHistory, memoryHistory } from './history.js';
export { DEFAULT_LAST_EVENT_ID_QUERY, readLastEventId } from './last-event-id.js';
export type { LazyStream, StreamSetup } from './lazy-stream.js';
export { lazyStream, sseOf } from './lazy-stream.js';
export type { NodeRequestLike } from './node-request.js';
export { nodeStreamRequest, openNodeStream } from './node-request.js';
export type { ResolvedSSEOptions, SSEOptions } from './options.js';
export { DEFAULT_HEARTBEAT_MS, DEFAULT_MAX_BUFFERED_BYTES, validateSSEOptions } from './options.js';
export type { EventStreamParser, ParsedEvent, ParserCallbacks, ParserOptions } from './parse.js';
export { createParser } from './parse.js';
export { parseEventStream } from './parse-stream.js';
export type { PipeSource } from './pipe.js';
export type { ResumablePosition } from './resumable/event-id.js';
export { isStreamId, parseResumableEventId, resumableEventId } from './resumable/event-id.js';
export type {
  CreateResult,
  LogChange,
  LogEntry,
  LogEvent,
  LogPage,
  ResumableLimits,
  ResumableLog,
  TerminalState,
} from './resumable/log.js';
export type { McpEventStore, McpEventStoreOptions } from './resumable/mcp-event-store.js';
export { mcpEventStore } from './resumable/mcp-event-store.js';
export { memoryLog } from './resumable/memory-log.js';
export type { NodeAnswerResponse } from './resumable/node-answer.js';
export { nodeAnswer } from './resumable/node-answer.js';
export type { ResumableOptions } from './resumable/options.js';
export { DEFAULT_END_EVENT, DEFAULT_GONE_EVENT } from './resumable/options.js';
export type { Producer, ProducerContext } from './resumable/producer.js';
export type { CancelResult, Resumable, ResumableAnswer, ResumableRoute } from './resumable/resumable.js';
export { createResumable } from './resumable/resumable.js';
export type { ResumableHandlers, ResumableRoutesOptions, ResumableStart } from './resumable/routes.js';
export type { ClosableStream } from './run-handler.js';
export { runHandler } from './run-handler.js';
export type { CloseReason, SSEStream, StreamRequest } from './stream.js';
export { openSSEStream } from './stream.js';
export type { DrainableStreams } from './stream-group.js';
export { createStreamGroup, StreamGroup, withStreamGroup } from './stream-group.js';
export type { GroupedSetup } from './stream-setup.js';
export { streamSetup } from './stream-setup.js';
export type { SSETransport, TransportHandlers } from './transport.js';
export type { NodeResponseLike, NodeSocketLike } from './transports/node-response.js';
export { nodeResponseTransport } from './transports/node-response.js';
export type { WebStreamTransport, WebStreamTransportOptions } from './transports/web-stream.js';
export { webStreamTransport } from './transports/web-stream.js';
export type { EventFields, MessageData, SendArgs, SendOptions, Serializer } from './types.js';
