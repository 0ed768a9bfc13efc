/** Where a storage's trend is drawn: pure arithmetic, so the chart's shapes can be tested without a browser. */
export interface TrendPoint {
  readonly day: string;
  readonly used: number;
  readonly total: number;
}

export interface TrendShape {
  /** SVG `points` of the used line, in a 100 x `height` box (oldest left, newest right). */
  readonly used: string;
  /** The same for the capacity line. */
  readonly total: string;
}

/**
 * The used and total lines, scaled to the largest capacity (or use) of the period. A single day
 * is drawn across the whole width; no points, no lines.
 */
export function trendShape(points: readonly TrendPoint[], height: number): TrendShape {
  if (points.length === 0) return { used: '', total: '' };
  const top = Math.max(1, ...points.map((point) => Math.max(point.total, point.used)));
  const x = (index: number) => (points.length === 1 ? [0, 100] : [(index * 100) / (points.length - 1)]);
  const y = (value: number) => height - (value / top) * height;
  const line = (value: (point: TrendPoint) => number) =>
    points
      .flatMap((point, index) => x(index).map((at) => `${round(at)},${round(y(value(point)))}`))
      .join(' ');
  return { used: line((point) => point.used), total: line((point) => point.total) };
}

const round = (value: number) => Math.round(value * 100) / 100;

/** The share (0..1) of a capacity that is used; 0 for an empty or inactive storage. */
export function usedShare(used: number, total: number): number {
  return total > 0 ? Math.min(1, Math.max(0, used / total)) : 0;
}
