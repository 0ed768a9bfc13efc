import { stringify } from 'yaml';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A column of a list: its header and how a row fills it. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
}

/** One cell as text: absent values as `-`, lists joined, objects as compact JSON. */
function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value))
    return value.length === 0
      ? '-'
      : value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s*\n\s*/g, ' ');
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, index) => Math.max(...rows.map((row) => row[index]?.length ?? 0))) ?? [];
  return rows
    .map((row) =>
      row
        .map((text, index) => (index === row.length - 1 ? text : text.padEnd(widths[index] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function machine(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value);
}

/** A list: a table with the given columns, or the items themselves as a JSON/YAML array. */
export function formatList<T>(
  items: readonly T[],
  columns: readonly Column<T>[],
  format: OutputFormat,
): string {
  if (format !== 'table') return machine(items, format);
  if (items.length === 0) return '';
  return `${table([columns.map((column) => column.header), ...items.map((item) => columns.map((column) => cell(column.value(item))))])}\n`;
}

/** Nested objects become dotted fields; lists of objects are kept apart to print as tables. */
function flatten(
  value: Record<string, unknown>,
  prefix: string,
  fields: Array<[string, string]>,
  lists: Array<[string, Record<string, unknown>[]]>,
): void {
  for (const [name, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (
      Array.isArray(child) &&
      child.length > 0 &&
      child.every((item) => typeof item === 'object' && item !== null)
    )
      lists.push([path, child as Record<string, unknown>[]]);
    else if (
      typeof child === 'object' &&
      child !== null &&
      !Array.isArray(child) &&
      Object.keys(child).length > 0
    )
      flatten(child as Record<string, unknown>, path, fields, lists);
    else fields.push([path, cell(child)]);
  }
}

/**
 * One resource: `field  value` lines (nested fields dotted, `schedule.cron`) and each list of
 * objects (a run's results) as a table below; or the resource itself as JSON/YAML.
 */
export function formatItem(item: unknown, format: OutputFormat): string {
  if (format !== 'table') return machine(item, format);
  if (typeof item !== 'object' || item === null) return `${cell(item)}\n`;
  const fields: Array<[string, string]> = [];
  const lists: Array<[string, Record<string, unknown>[]]> = [];
  flatten(item as Record<string, unknown>, '', fields, lists);
  const parts = [table(fields.map(([name, value]) => [`${name}:`, value]))];
  for (const [name, rows] of lists) {
    const headers = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    parts.push(
      `\n${name}:\n${table([headers, ...rows.map((row) => headers.map((header) => cell(row[header])))])}`,
    );
  }
  return `${parts.join('\n')}\n`;
}
