import { type BarPart, columnHeights, placeParts } from './bar-geometry.ts';

/** Colours of the states, as the badges use them (AA contrast on white). */
const STATE_COLOURS: Record<string, string> = {
  covered: '#116329',
  ok: '#116329',
  succeeded: '#116329',
  overlapping: '#3a7d44',
  'only-disabled': '#7d4e00',
  late: '#7d4e00',
  excluded: '#57606a',
  'not-covered': '#b3261e',
  missed: '#b3261e',
  never: '#8c1d18',
  failed: '#b3261e',
};

/**
 * One horizontal bar split by state, with a legend that says the same in words (the SVG is
 * decorative for screen readers: the legend carries the figures).
 */
export function StackedBar<K extends string>(props: {
  label: string;
  parts: readonly BarPart<K>[];
  describe?: (key: K) => string;
}) {
  const placed = placeParts(props.parts);
  const words = (key: K) => props.describe?.(key) ?? key.replaceAll('-', ' ');
  return (
    <figure class="chart">
      <figcaption>{props.label}</figcaption>
      <svg viewBox="0 0 100 6" preserveAspectRatio="none" class="bar" aria-hidden="true" focusable="false">
        <rect x="0" y="0" width="100" height="6" fill="#eaeef2" />
        {placed.map((part) => (
          <rect
            key={part.key}
            x={part.x * 100}
            y="0"
            width={part.width * 100}
            height="6"
            fill={STATE_COLOURS[part.key] ?? '#57606a'}
          />
        ))}
      </svg>
      <ul class="legend">
        {props.parts.map((part) => (
          <li key={part.key} data-state={part.key}>
            <span class="swatch" style={{ background: STATE_COLOURS[part.key] ?? '#57606a' }} />
            {part.value} {words(part.key)}
          </li>
        ))}
      </ul>
    </figure>
  );
}

/** Runs per day as small columns, succeeded below failed, with a text alternative. */
export function RunColumns(props: {
  label: string;
  days: readonly { start: string; succeeded: number; failed: number }[];
}) {
  const heights = columnHeights(props.days.map((day) => day.succeeded + day.failed));
  const width = 100 / Math.max(props.days.length, 1);
  const succeeded = props.days.reduce((sum, day) => sum + day.succeeded, 0);
  const failed = props.days.reduce((sum, day) => sum + day.failed, 0);
  return (
    <figure class="chart">
      <figcaption>{props.label}</figcaption>
      <svg
        viewBox="0 0 100 30"
        preserveAspectRatio="none"
        class="columns"
        role="img"
        aria-label={`${succeeded} runs succeeded and ${failed} failed or partly failed in ${props.days.length} days`}
      >
        {props.days.map((day, index) => {
          const total = day.succeeded + day.failed;
          const height = (heights[index] ?? 0) * 30;
          const failedHeight = total === 0 ? 0 : (height * day.failed) / total;
          return (
            <g key={day.start}>
              <title>{`${day.start.slice(0, 10)}: ${day.succeeded} succeeded, ${day.failed} failed`}</title>
              <rect
                x={index * width + width * 0.15}
                y={30 - height}
                width={width * 0.7}
                height={height - failedHeight}
                fill={STATE_COLOURS.succeeded}
              />
              <rect
                x={index * width + width * 0.15}
                y={30 - failedHeight}
                width={width * 0.7}
                height={failedHeight}
                fill={STATE_COLOURS.failed}
              />
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
