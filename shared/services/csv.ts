/** RFC 4180 field: quoted when it holds a comma, quote or line break; formula starts defused. */
function csvField(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  // A leading =, +, - or @ would run as a formula when the export is opened in a spreadsheet,
  // and a leading tab or carriage return can hide one from a check (OWASP's CSV injection list).
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows as CSV with a header row (CRLF line ends, as RFC 4180 says). */
export function toCsv<C extends string>(
  columns: readonly C[],
  rows: ReadonlyArray<Readonly<Partial<Record<C, unknown>>>>,
): string {
  const lines = [
    columns.join(','),
    ...rows.map((row) => columns.map((column) => csvField(row[column])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
