const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * A time the API gives on a wall clock (`2026-12-02T02:00:00+01:00`, or UTC with `Z`) as people
 * read it, on that same clock: `Wed 2 Dec 2026, 02:00 (UTC+01:00)`. The browser's own zone
 * plays no part: a policy's next runs are in the policy's zone. Anything else is given back as it is.
 */
export function wallClock(time: string): string {
  const parts = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.exec(
    time,
  );
  if (!parts) return time;
  const [, year, month, day, hour, minute, offset] = parts;
  const weekday = DAYS[new Date(Date.UTC(Number(year), Number(month) - 1, Number(day))).getUTCDay()];
  const zone = offset === 'Z' || offset === '+00:00' ? 'UTC' : `UTC${offset}`;
  return `${weekday} ${Number(day)} ${MONTHS[Number(month) - 1]} ${year}, ${hour}:${minute} (${zone})`;
}
