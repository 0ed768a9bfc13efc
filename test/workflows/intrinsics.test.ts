import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { loadWorkflowDefinitions } from '#shared/local/workflows/definition-cache.ts';

/**
 * The intrinsic functions Step Functions documents for JSONPath states, with the arguments each
 * takes: "Intrinsic functions for JSONPath states in Step Functions",
 * https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html (arrays, encoding,
 * hash, JSON, math, string, UUID and generic intrinsics). `rule` is what the page requires of the
 * arguments beyond their number.
 */
const DOCUMENTED_INTRINSICS: Record<
  string,
  { min: number; max: number; rule?: (args: string[]) => boolean }
> = {
  'States.Format': { min: 1, max: Number.POSITIVE_INFINITY },
  'States.StringToJson': { min: 1, max: 1 },
  'States.JsonToString': { min: 1, max: 1 },
  'States.Array': { min: 0, max: Number.POSITIVE_INFINITY },
  'States.ArrayPartition': { min: 2, max: 2 },
  'States.ArrayContains': { min: 2, max: 2 },
  'States.ArrayRange': { min: 3, max: 3 },
  'States.ArrayGetItem': { min: 2, max: 2 },
  'States.ArrayLength': { min: 1, max: 1 },
  'States.ArrayUnique': { min: 1, max: 1 },
  'States.Base64Encode': { min: 1, max: 1 },
  'States.Base64Decode': { min: 1, max: 1 },
  'States.Hash': { min: 2, max: 2 },
  // "Step Functions only supports the shallow merging mode; therefore, you must specify ... false".
  'States.JsonMerge': { min: 3, max: 3, rule: (args) => args[2] === 'false' },
  'States.MathRandom': { min: 2, max: 3 },
  // "You must specify integer values for all the arguments."
  'States.MathAdd': {
    min: 2,
    max: 2,
    rule: (args) => args.every((arg) => arg.startsWith('$') || Number.isInteger(Number(arg))),
  },
  'States.StringSplit': { min: 2, max: 2 },
  'States.UUID': { min: 0, max: 0 },
};

interface IntrinsicCall {
  readonly name: string;
  readonly args: string[];
}

/** Splits `States.X(a, States.Y(b), 'c, d')` into its calls, nested ones included. */
function callsIn(expression: string): IntrinsicCall[] {
  const open = expression.indexOf('(');
  const name = expression.slice(0, open).trim();
  const body = expression.slice(open + 1, expression.lastIndexOf(')'));
  const args: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i] as string;
    if (char === '\\' && quoted) {
      current += char + (body[i + 1] ?? '');
      i++;
      continue;
    }
    if (char === "'") quoted = !quoted;
    if (!quoted && char === '(') depth++;
    if (!quoted && char === ')') depth--;
    if (!quoted && depth === 0 && char === ',') {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += char;
  }
  if (current.trim() !== '') args.push(current.trim());
  return [{ name, args }, ...args.filter((arg) => arg.startsWith('States.')).flatMap(callsIn)];
}

/** Every intrinsic call of a definition: the values of `.$` fields that start with `States.`. */
function intrinsicsOf(value: unknown): IntrinsicCall[] {
  if (Array.isArray(value)) return value.flatMap(intrinsicsOf);
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key.endsWith('.$') && typeof inner === 'string' && inner.startsWith('States.')
      ? callsIn(inner)
      : intrinsicsOf(inner),
  );
}

/** Evaluates `parameters` on `input` as a Pass state of the local library does. */
async function pass(parameters: Record<string, unknown>, input: unknown = {}): Promise<unknown> {
  const machine = new StateMachine({
    StartAt: 'P',
    States: { P: { Type: 'Pass', Parameters: parameters, End: true } },
  } as never);
  return await machine.run(input as never).result;
}

const workflows = await loadWorkflowDefinitions();
const used = Object.entries(workflows.definitions).flatMap(([arn, definition]) =>
  intrinsicsOf(definition).map((call) => ({ ...call, machine: arn.split(':').at(-1) })),
);

describe('the intrinsic functions of the synthesized definitions', () => {
  it('are all documented by Step Functions, each called with the arguments the documentation allows', () => {
    expect(used.length).toBeGreaterThan(0);
    for (const call of used) {
      const documented = DOCUMENTED_INTRINSICS[call.name];
      const where = `${call.name}(${call.args.join(', ')}) in ${call.machine}`;
      expect(documented, `${where}: not a documented intrinsic`).toBeDefined();
      expect(call.args.length, where).toBeGreaterThanOrEqual(documented?.min ?? 0);
      expect(call.args.length, where).toBeLessThanOrEqual(documented?.max ?? 0);
      if (documented?.rule) expect(documented.rule(call.args), `${where}: arguments`).toBe(true);
    }
  });

  it('behave in the local library as the documentation\u2019s own examples say', async () => {
    const names = new Set(used.map((call) => call.name));
    // The documentation's examples, one per intrinsic the definitions use.
    const examples: Record<string, [Record<string, unknown>, unknown, unknown]> = {
      'States.Array': [
        { 'foo.$': "States.Array('Foo', 2020, $.someJson, null)" },
        { someJson: { random: 'abcdefg' } },
        { foo: ['Foo', 2020, { random: 'abcdefg' }, null] },
      ],
      'States.ArrayContains': [
        { 'contains.$': 'States.ArrayContains($.inputArray, $.lookingFor)' },
        { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9], lookingFor: 5 },
        { contains: true },
      ],
      'States.ArrayGetItem': [
        { 'item.$': 'States.ArrayGetItem($.inputArray, $.index)' },
        { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9], index: 5 },
        { item: 6 },
      ],
      'States.ArrayLength': [
        { 'length.$': 'States.ArrayLength($.inputArray)' },
        { inputArray: [1, 2, 3, 4, 5, 6, 7, 8, 9] },
        { length: 9 },
      ],
      'States.ArrayUnique': [
        { 'array.$': 'States.ArrayUnique($.inputArray)' },
        { inputArray: [1, 2, 3, 3, 3, 3, 3, 3, 4] },
        { array: [1, 2, 3, 4] },
      ],
      'States.JsonMerge': [
        { 'output.$': 'States.JsonMerge($.json1, $.json2, false)' },
        { json1: { a: { a1: 1, a2: 2 }, b: 2 }, json2: { a: { a3: 1, a4: 2 }, c: 3 } },
        { output: { a: { a3: 1, a4: 2 }, b: 2, c: 3 } },
      ],
      'States.MathAdd': [
        { 'value1.$': 'States.MathAdd($.value1, $.step)' },
        { value1: 111, step: -1 },
        { value1: 110 },
      ],
    };
    for (const name of names) {
      const example = examples[name];
      expect(example, `${name}: add the documentation's example`).toBeDefined();
      if (example) expect(await pass(example[0], example[1]), name).toEqual(example[2]);
    }
  });

  it('tell a fast lane that handed nothing back from one that did (FastLaneResult), by value, not identity', async () => {
    const fast = workflows.definitions[workflows.fastLaneArn] as {
      States: Record<string, { Parameters?: Record<string, unknown> }>;
    };
    const parameters = fast.States.FastLaneResult?.Parameters ?? {};
    const guest = (id: string) => ({ guestId: id, upid: null });
    const cases: Array<[unknown[], { distinct: number; anyDone: boolean }]> = [
      [[false, false, false], { distinct: 1, anyDone: true }],
      [[false, guest('a')], { distinct: 2, anyDone: true }],
      [[guest('a'), guest('a')], { distinct: 1, anyDone: false }],
      [[guest('a'), guest('b')], { distinct: 2, anyDone: false }],
    ];
    for (const [handedBack, expected] of cases)
      expect(await pass(parameters, { handedBack })).toEqual({ handedBack, ...expected });
  });
});
