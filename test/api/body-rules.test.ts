import fc from 'fast-check';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jsonDepth } from '#shared/api/middleware/json-body.ts';
import { issuesFromZod, toProblem } from '#shared/api/problem.ts';

/** The nesting depth of a parsed JSON value: the reference `jsonDepth` must agree with. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === 'object' && value !== null)
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('the depth of a JSON text', () => {
  it('equals the depth of the parsed value, brackets inside strings and escapes included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        expect(jsonDepth(text, 100)).toBe(depthOf(value));
      }),
    );
    expect(jsonDepth('{"a":"[[[{\\"}}"}')).toBe(1);
  });

  it('stops counting past the limit, so a 10,000-deep body costs one pass', () => {
    expect(jsonDepth('['.repeat(10_000), 32)).toBe(33);
  });
});

describe('validation messages', () => {
  const schema = z.strictObject({
    name: z.string().min(1).max(3),
    tags: z.array(z.string().regex(/^[a-z]+$/)).max(1),
    count: z.number().int().min(1),
    kind: z.enum(['a', 'b']),
    at: z.iso.datetime({ offset: true }).optional(),
  });
  const issues = (input: unknown) => {
    const result = schema.safeParse(input);
    if (result.success) throw new Error('expected a failure');
    return issuesFromZod(result.error, '', input);
  };

  it('says a missing field is required and a mistyped one what it must be', () => {
    expect(issues({ tags: [], count: '1', kind: 'a' })).toEqual([
      { path: 'name', rule: 'required', message: 'is required' },
      { path: 'count', rule: 'invalid_type', message: 'must be a number' },
    ]);
    expect(issues({ name: 'x', tags: [], count: 1.5, kind: 'a' })).toEqual([
      { path: 'count', rule: 'invalid_type', message: 'must be an integer' },
    ]);
  });

  it('says limits, options and formats in words, never as a regular expression', () => {
    const found = issues({ name: 'long', tags: ['A'], count: 0, kind: 'c', at: 'noon' });
    expect(found).toEqual([
      { path: 'name', rule: 'too_big', message: 'must be at most 3 characters long' },
      { path: 'tags.0', rule: 'invalid_format', message: 'has the wrong format' },
      { path: 'count', rule: 'too_small', message: 'must be at least 1' },
      { path: 'kind', rule: 'invalid_value', message: 'must be one of: "a", "b"' },
      {
        path: 'at',
        rule: 'invalid_format',
        message: 'must be a date and time with an offset, e.g. 2025-01-31T02:00:00Z',
      },
    ]);
    expect(issues({ name: '', tags: [], count: 1, kind: 'a' })[0]?.message).toBe('must not be empty');
    expect(issues({ name: 'x', tags: ['a', 'b'], count: 1, kind: 'a' })[0]?.message).toBe(
      'must have at most 1 items',
    );
  });
});

describe('problem documents', () => {
  it('turns what Hono\u2019s own validators throw into 4xx problems, not 500s', () => {
    expect(
      toProblem(new HTTPException(400, { message: 'Malformed JSON in request body' }), '/x', 'r').status,
    ).toBe(400);
    expect(toProblem(new HTTPException(415, { message: 'Unsupported Media Type' }), '/x', 'r')).toMatchObject(
      {
        status: 415,
        type: 'urn:pve-snapshots:problem:unsupported-media-type',
      },
    );
    expect(toProblem(new HTTPException(500), '/x', 'r').status).toBe(500);
    expect(toProblem(new Error('boom'), '/x', 'r').detail).not.toContain('boom');
  });
});
