/** Fixed-size latency histogram: 10 µs buckets up to 100 ms, 1 ms buckets up to 60 s. */
export class LatencyHistogram {
  /** Latencies recorded. */
  count: number;
  /** The largest latency recorded, in microseconds. */
  maxUs: number;
  /** Records one latency in microseconds. */
  record(us: number): void;
  /** The `q` quantile (0..1) in milliseconds, to the bucket's upper edge; NaN when empty. */
  quantileMs(q: number): number;
  /** Forgets everything recorded. */
  reset(): void;
}
