export type { ChannelMetricsOptions } from './channel-metrics.js';
export { channelMetrics, METER_NAME } from './channel-metrics.js';
