/** Histogram buckets grow by this ratio: a percentile read from them is within ±2.5%. */
export const BUCKET_RATIO = 1.05;
const LN_RATIO = Math.log(BUCKET_RATIO);

/** The bucket a value falls in (values below 1 share bucket 0). */
export function bucketOf(value: number): number {
  return Math.floor(Math.log(Math.max(value, 1)) / LN_RATIO);
}

/** The value a bucket stands for: its geometric middle. */
export function bucketValue(bucket: number): number {
  return Math.pow(BUCKET_RATIO, bucket + 0.5);
}

export type Histogram = Record<string, number>;

/**
 * A percentile (0..1) of merged histograms, ranked as PostgreSQL's percentile_cont
 * ranks (position p × (n − 1)); null without samples.
 */
export function histogramPercentile(histograms: Histogram[], p: number): number | null {
  const merged = new Map<number, number>();
  for (const h of histograms) for (const [b, n] of Object.entries(h)) merged.set(Number(b), (merged.get(Number(b)) ?? 0) + n);
  const total = [...merged.values()].reduce((a, b) => a + b, 0);
  if (!total) return null;
  const rank = p * (total - 1);
  let seen = 0;
  for (const b of [...merged.keys()].sort((x, y) => x - y)) {
    seen += merged.get(b)!;
    if (rank < seen) return bucketValue(b);
  }
  return bucketValue(Math.max(...merged.keys()));
}
