import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatItem, formatList } from '../../cli/output.ts';

describe('formatList', () => {
  const rows = [
    { id: 'a', tags: ['x', 'y'], pool: undefined },
    { id: 'longer-id', tags: [], pool: 'production' },
  ];
  const columns = [
    { header: 'ID', value: (row: (typeof rows)[number]) => row.id },
    { header: 'TAGS', value: (row: (typeof rows)[number]) => row.tags },
    { header: 'POOL', value: (row: (typeof rows)[number]) => row.pool },
  ];

  it('aligns columns under their headers and shows absent values as -', () => {
    expect(formatList(rows, columns, 'table')).toBe(
      ['ID         TAGS  POOL', 'a          x,y   -', 'longer-id  -     production', ''].join('\n'),
    );
  });

  it('prints nothing for an empty table, and the items themselves as JSON or YAML', () => {
    expect(formatList([], columns, 'table')).toBe('');
    expect(JSON.parse(formatList(rows, columns, 'json'))).toEqual([
      { id: 'a', tags: ['x', 'y'] },
      { id: 'longer-id', tags: [], pool: 'production' },
    ]);
    expect(parse(formatList(rows, columns, 'yaml'))).toEqual(JSON.parse(formatList(rows, columns, 'json')));
  });
});

describe('formatItem', () => {
  it('puts id and status first, dots nested fields and prints lists of objects as tables below', () => {
    const text = formatItem(
      {
        targets: 2,
        schedule: { cron: '0 2 * * *' },
        status: 'succeeded',
        id: 'run_1',
        steps: ['stop', 'roll back'],
        results: [{ outcome: 'succeeded', guestId: 'c.100' }],
      },
      'table',
    );
    expect(text).toBe(
      [
        'id:             run_1',
        'status:         succeeded',
        'targets:        2',
        'schedule.cron:  0 2 * * *',
        'steps:          stop, roll back',
        '',
        'results:',
        'guestId  outcome',
        'c.100    succeeded',
        '',
      ].join('\n'),
    );
  });
});
