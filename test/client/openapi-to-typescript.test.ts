import { describe, expect, it } from 'vitest';
import { openApiToTypeScript, schemaType } from '../../client/generate/openapi-to-typescript.ts';

describe('schemaType', () => {
  it('writes enums as unions of literals and arrays of them in parentheses', () => {
    expect(schemaType({ type: 'string', enum: ['a', "it's"] })).toBe("'a' | 'it\\'s'");
    expect(schemaType({ type: 'array', items: { enum: ['x', 'y'] } })).toBe("('x' | 'y')[]");
  });

  it('marks properties outside `required` optional and keeps their descriptions', () => {
    const type = schemaType({
      type: 'object',
      properties: {
        id: { type: 'string' },
        'not-an-identifier': { type: 'integer', description: 'ends */ here' },
      },
      required: ['id'],
      additionalProperties: false,
    });
    expect(type).toBe("{\n  id: string;\n  /** ends *\\/ here */\n  'not-an-identifier'?: number;\n}");
  });

  it('joins allOf as an intersection, oneOf as a union, and follows $ref to components', () => {
    expect(
      schemaType({ allOf: [{ $ref: '#/components/schemas/A' }, { $ref: '#/components/schemas/B' }] }),
    ).toBe("components['schemas']['A'] & components['schemas']['B']");
    expect(schemaType({ oneOf: [{ type: 'string' }, { type: 'number' }] })).toBe('string | number');
    expect(schemaType({ type: ['string', 'null'] })).toBe('string | null');
    expect(schemaType({ type: 'string', nullable: true })).toBe('string | null');
    expect(schemaType({ const: 'ok' })).toBe("'ok'");
  });

  it('types free-form objects as records of unknown values', () => {
    expect(schemaType({ type: 'object', additionalProperties: {} })).toBe('{\n  [key: string]: unknown;\n}');
    expect(schemaType({})).toBe('unknown');
  });

  it('refuses a $ref it cannot express rather than writing a wrong type', () => {
    expect(() => schemaType({ $ref: 'other.json#/x' })).toThrow(/unsupported \$ref/);
  });
});

describe('openApiToTypeScript', () => {
  const document = {
    info: { title: 'T' },
    paths: {
      '/v1/things/{thingId}': {
        get: {
          summary: 'One thing',
          parameters: [
            { name: 'thingId', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'verbose', in: 'query', schema: { type: 'boolean' } },
          ],
          responses: {
            404: {
              description: 'no',
              content: { 'application/problem+json': { schema: { type: 'object' } } },
            },
            200: {
              description: 'yes',
              headers: { ETag: { schema: { type: 'string' } } },
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
            },
            204: { description: 'empty' },
          },
        },
      },
    },
    components: {
      schemas: { Thing: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] } },
    },
  };

  it('writes every method of a path (absent ones as never), parameters by location and numeric statuses in order', () => {
    const text = openApiToTypeScript(document);
    expect(text).toContain("  '/v1/things/{thingId}': {");
    expect(text).toContain('    /** One thing */\n    get: {');
    expect(text).toContain('        query?: {\n          verbose?: boolean;\n        };');
    expect(text).toContain('        path: {\n          thingId: string;\n        };');
    expect(text).toContain('    post?: never;');
    expect(text.indexOf('200: {')).toBeLessThan(text.indexOf('204: {'));
    expect(text.indexOf('204: {')).toBeLessThan(text.indexOf('404: {'));
    expect(text).toContain('ETag?: string;');
    expect(text).toContain("'application/json': components['schemas']['Thing'];");
    expect(text).toContain('    Thing: {\n      id: string;\n    };');
    expect(text).toContain('      requestBody?: never;');
  });

  it('writes a request body as content by media type, optional unless required', () => {
    const text = openApiToTypeScript({
      paths: {
        '/v1/things': {
          post: {
            requestBody: { required: true, content: { 'application/json': { schema: { type: 'string' } } } },
            responses: { 204: { description: 'done' } },
          },
        },
      },
    });
    expect(text).toContain(
      "      requestBody: {\n        content: {\n          'application/json': string;\n        };\n      };",
    );
  });

  it('gives the same text for the same document whatever the order of its keys', () => {
    const reordered = {
      components: document.components,
      paths: document.paths,
      info: document.info,
    };
    expect(openApiToTypeScript(reordered)).toBe(openApiToTypeScript(document));
  });
});
