import { ValidationError } from '#shared/domain/errors.ts';
import { MAX_REPORT_DAYS } from '#shared/domain/insight/compliance.ts';

const DAY_MS = 86_400_000;

export interface ReportPeriod {
  readonly fromMs: number;
  readonly toMs: number;
}

/**
 * The period a report covers: `to` defaults to now, `from` to 30 days before `to`; `from` must
 * come before `to` and the period may span at most {@link MAX_REPORT_DAYS} days (a report reads
 * every record of the period).
 */
export function reportPeriod(query: { from?: string; to?: string }, nowMs: number): ReportPeriod {
  const toMs = query.to ? Date.parse(query.to) : nowMs;
  const fromMs = query.from ? Date.parse(query.from) : toMs - 30 * DAY_MS;
  if (fromMs >= toMs)
    throw ValidationError.single('query.from', 'period.order', '`from` must be before `to`');
  if (toMs - fromMs > MAX_REPORT_DAYS * DAY_MS)
    throw ValidationError.single(
      'query.from',
      'period.too_long',
      `a report covers at most ${MAX_REPORT_DAYS} days; ask for a shorter period`,
    );
  return { fromMs, toMs };
}
