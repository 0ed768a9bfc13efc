/** Where each part of a stacked bar goes: pure arithmetic, so a chart's shapes can be tested without a browser. */
export interface BarPart<K extends string = string> {
  readonly key: K;
  readonly value: number;
}

export interface PlacedPart<K extends string = string> extends BarPart<K> {
  /** Offset and width as shares (0..1) of the bar. */
  readonly x: number;
  readonly width: number;
}

/** The non-empty parts laid side by side in order, their widths proportional to their values (sum 1). */
export function placeParts<K extends string>(parts: readonly BarPart<K>[]): PlacedPart<K>[] {
  const total = parts.reduce((sum, part) => sum + Math.max(0, part.value), 0);
  if (total === 0) return [];
  let x = 0;
  const placed: PlacedPart<K>[] = [];
  for (const part of parts) {
    if (part.value <= 0) continue;
    const width = part.value / total;
    placed.push({ ...part, x, width });
    x += width;
  }
  return placed;
}

/** Column heights (0..1) for a small bar chart, scaled to the largest total; all zero stays zero. */
export function columnHeights(totals: readonly number[]): number[] {
  const largest = Math.max(0, ...totals);
  return totals.map((total) => (largest === 0 ? 0 : total / largest));
}
