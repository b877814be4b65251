import {
  type Attributes,
  type BatchObservableResult,
  type Histogram,
  type Meter,
  metrics,
  type Observable,
} from '@opentelemetry/api';
import type { ChannelMessage, ChannelMonitor, ChannelStats } from '@ssekit/core';

/** The instrumentation scope every series is reported under. */
export const METER_NAME = '@ssekit/otel';

/** Bucket bounds of `ssekit.bus.lag`, in seconds: from half a millisecond (a local bus) to 10 s (a stalled one). */
const LAG_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Options of `channelMetrics`. */
export interface ChannelMetricsOptions {
  /**
   * The channel's name, reported as the `ssekit.channel` attribute of every series, so one
   * dashboard tells channels apart. Keep it low in cardinality (a kind of channel, not a user id):
   * channels of the same name are summed. Default: no attribute.
   */
  channel?: string;
  /**
   * The meter the series are made with. Default: `metrics.getMeter('@ssekit/otel')` from the global
   * meter provider, which must be registered before `channelMetrics` is called (OpenTelemetry's
   * metrics API has no proxy: a meter taken before a provider is registered stays a no-op).
   */
  meter?: Meter;
}

/** A channel attached to a meter's instruments. */
interface Attached {
  readonly attributes: Attributes;
  readonly stats: () => ChannelStats;
}

/** Counters summed for one attribute set. */
interface Sum {
  readonly attributes: Attributes;
  readonly totals: Totals;
}

/** The instruments of one meter, made once and shared by every channel measured with it. */
interface Instruments {
  readonly channels: Set<Attached>;
  /**
   * What closed channels had counted, by name: kept so that a counter never goes down when one of
   * several channels of a name closes (a backend would read that as a reset). One entry per name.
   */
  readonly retired: Map<unknown, Sum>;
  readonly busLag: Histogram;
}

const byMeter = new WeakMap<Meter, Instruments>();

/**
 * A `ChannelMonitor` that reports a channel's activity as OpenTelemetry metrics: pass it as the
 * channel's `monitor` option, one per channel. Counters are read from `channel.stats` when the
 * app's metric reader collects (observable instruments), so delivering costs nothing more; only
 * the bus-lag histogram records, once per broadcast. Without a registered meter provider every
 * instrument is a no-op.
 *
 * Series (attribute `ssekit.channel` when `channel` is given):
 * - `ssekit.streams.open` (`{stream}`, up-down counter): streams in the channel;
 * - `ssekit.events.delivered` (`{event}`) and `ssekit.bytes.delivered` (`By`): events written to
 *   member streams, one per member (replayed ones included), and their bytes;
 * - `ssekit.streams.dropped` (`{stream}`): members closed because their client fell more than
 *   `maxBufferedBytes` behind;
 * - `ssekit.resumes` (`{resume}`, attribute `ssekit.resume.gap`): reconnecting members given what
 *   they missed (`false`), or the gap event because it could not be replayed (`true`);
 * - `ssekit.replay.events` (`{event}`): events written by those replays;
 * - `ssekit.gap_events` (`{event}`): gap events sent, on resume or live;
 * - `ssekit.bus.lag` (`s`, histogram): from `channel.send` on any instance to this instance's
 *   delivery, for messages that carry their send time (clocks of different hosts must agree).
 *
 * @example
 * const chat = createChannel({ history: 500, monitor: channelMetrics({ channel: 'chat' }) });
 */
export function channelMetrics(options: ChannelMetricsOptions = {}): ChannelMonitor {
  const meter = options.meter ?? metrics.getMeter(METER_NAME);
  const attributes: Attributes = options.channel === undefined ? {} : { 'ssekit.channel': options.channel };
  const instruments = instrumentsOf(meter);
  let attached: Attached | undefined;
  return {
    attach(stats) {
      if (attached) instruments.channels.delete(attached);
      attached = { attributes, stats };
      instruments.channels.add(attached);
    },
    delivered(message: ChannelMessage) {
      if (message.sentAt === undefined) return;
      // Clocks of two hosts may disagree by more than the lag: a negative lag is recorded as none.
      instruments.busLag.record(Math.max(0, Date.now() - message.sentAt) / 1000, attributes);
    },
    detach() {
      if (!attached) return;
      instruments.channels.delete(attached);
      addTo(instruments.retired, attributes, attached.stats());
      attached = undefined;
    },
  };
}

/** One observable series: how it is made, and its points from a channel's counters. */
interface Series {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  /** An up-down counter (a level that falls as well as rises); otherwise a monotonic counter. */
  readonly upDown?: boolean;
  /** Its values, each with the attributes it adds to the channel's. */
  readonly points: (totals: Totals) => readonly (readonly [number, Attributes])[];
}

const NONE: Attributes = {};

/** The series read from `channel.stats` when the reader collects. */
const SERIES: readonly Series[] = [
  {
    name: 'ssekit.streams.open',
    description: 'Event streams in the channel.',
    unit: '{stream}',
    upDown: true,
    points: (t) => [[t.streams, NONE]],
  },
  {
    name: 'ssekit.events.delivered',
    description: 'Events written to member streams, one per member, replayed ones included.',
    unit: '{event}',
    points: (t) => [[t.eventsDelivered, NONE]],
  },
  {
    name: 'ssekit.bytes.delivered',
    description: 'Bytes of the events written to member streams.',
    unit: 'By',
    points: (t) => [[t.bytesDelivered, NONE]],
  },
  {
    name: 'ssekit.streams.dropped',
    description: 'Member streams closed because their client fell more than maxBufferedBytes behind.',
    unit: '{stream}',
    points: (t) => [[t.droppedSlow, NONE]],
  },
  {
    name: 'ssekit.resumes',
    description:
      'Reconnecting streams given the events they missed (ssekit.resume.gap false) or the gap event (true).',
    unit: '{resume}',
    points: (t) => [
      [t.replaysServed, { 'ssekit.resume.gap': false }],
      [t.resumesWithGap, { 'ssekit.resume.gap': true }],
    ],
  },
  {
    name: 'ssekit.replay.events',
    description: 'Events written to reconnecting streams by replays.',
    unit: '{event}',
    points: (t) => [[t.eventsReplayed, NONE]],
  },
  {
    name: 'ssekit.gap_events',
    description: 'Gap events sent, to reconnecting streams or live after the bus lost messages.',
    unit: '{event}',
    points: (t) => [[t.gapsSignalled, NONE]],
  },
];

function instrumentsOf(meter: Meter): Instruments {
  const known = byMeter.get(meter);
  if (known) return known;
  const observables = SERIES.map(({ name, description, unit, upDown }) =>
    upDown
      ? meter.createObservableUpDownCounter(name, { description, unit })
      : meter.createObservableCounter(name, { description, unit }),
  );
  const busLag = meter.createHistogram('ssekit.bus.lag', {
    description: 'Time from channel.send on any instance to delivery on this one.',
    unit: 's',
    advice: { explicitBucketBoundaries: LAG_BUCKETS },
  });
  const channels = new Set<Attached>();
  const retired = new Map<unknown, Sum>();
  meter.addBatchObservableCallback((result: BatchObservableResult) => {
    for (const { attributes, totals } of sumByAttributes(channels, retired)) {
      SERIES.forEach((series, i) => {
        const observable = observables[i] as Observable;
        for (const [value, extra] of series.points(totals))
          result.observe(observable, value, extra === NONE ? attributes : { ...attributes, ...extra });
      });
    }
  }, observables);
  const instruments = { channels, retired, busLag };
  byMeter.set(meter, instruments);
  return instruments;
}

/** The counters of `ChannelStats` the series read, summed over channels of one name. */
const SUMMED = [
  'streams',
  'eventsDelivered',
  'bytesDelivered',
  'droppedSlow',
  'replaysServed',
  'eventsReplayed',
  'resumesWithGap',
  'gapsSignalled',
] as const;
type Totals = Pick<ChannelStats, (typeof SUMMED)[number]>;

/**
 * Channels of the same name are one series: an observable reports one value per attribute set, so
 * their counters are summed here (with what closed ones had counted) rather than overwriting each other.
 */
function sumByAttributes(channels: Set<Attached>, retired: Map<unknown, Sum>): Sum[] {
  const sums = new Map<unknown, Sum>();
  for (const [key, { attributes, totals }] of retired) sums.set(key, { attributes, totals: { ...totals } });
  for (const { attributes, stats } of channels) addTo(sums, attributes, stats());
  return [...sums.values()];
}

/** Adds a channel's counters to the sum of its name. */
function addTo(sums: Map<unknown, Sum>, attributes: Attributes, counters: Totals): void {
  const key = attributes['ssekit.channel'];
  const sum = sums.get(key);
  if (sum) for (const name of SUMMED) sum.totals[name] += counters[name];
  else sums.set(key, { attributes, totals: { ...counters } });
}
