// A fixed-size latency histogram: the load client records hundreds of thousands of deliveries a
// second, and keeping each one would cost memory and GC pauses that would show in the latencies.
// 10 µs buckets up to 100 ms, then 1 ms buckets up to 60 s; anything longer lands in the last one.

const FINE_US = 10;
const FINE_LIMIT_US = 100_000;
const COARSE_US = 1_000;
const FINE = FINE_LIMIT_US / FINE_US;
const BUCKETS = FINE + 60_000;

function bucketOf(us) {
  if (us < FINE_LIMIT_US) return Math.max(0, Math.floor(us / FINE_US));
  return Math.min(BUCKETS - 1, FINE + Math.floor((us - FINE_LIMIT_US) / COARSE_US));
}

/** The upper edge of bucket `i`, in milliseconds. */
function upperMs(i) {
  return i < FINE ? ((i + 1) * FINE_US) / 1000 : (FINE_LIMIT_US + (i - FINE + 1) * COARSE_US) / 1000;
}

export class LatencyHistogram {
  constructor() {
    this.counts = new Float64Array(BUCKETS);
    this.count = 0;
    this.maxUs = 0;
  }

  /** Records one latency in microseconds. */
  record(us) {
    this.counts[bucketOf(us)]++;
    this.count++;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** The `q` quantile (0..1) in milliseconds, to the bucket's upper edge; NaN when empty. */
  quantileMs(q) {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(upperMs(i), this.maxUs / 1000);
    }
    return this.maxUs / 1000;
  }

  /** Forgets everything recorded (after a warm-up). */
  reset() {
    this.counts.fill(0);
    this.count = 0;
    this.maxUs = 0;
  }
}
