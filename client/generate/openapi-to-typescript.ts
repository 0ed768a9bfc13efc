/**
 * Turns an OpenAPI 3.1 document into TypeScript types in the shape openapi-fetch expects (the
 * shape openapi-typescript writes): `paths` by path and method, each operation's `parameters`
 * (path, query, header, cookie), `requestBody` content and `responses` by status with headers and
 * content; `components` with the named schemas. Pure: the same document gives the same text.
 *
 * It covers the JSON Schema the service's zod contracts produce (objects, arrays, enums, `$ref`,
 * `allOf`/`oneOf`/`anyOf`, `const`, type lists, `nullable`); anything else becomes `unknown`.
 */

interface Schema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly nullable?: boolean;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | Schema;
  readonly items?: Schema;
  readonly allOf?: readonly Schema[];
  readonly oneOf?: readonly Schema[];
  readonly anyOf?: readonly Schema[];
  readonly description?: string;
}

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header' | 'cookie';
  readonly required?: boolean;
  readonly description?: string;
  readonly schema?: Schema;
}

interface MediaTypes {
  readonly content?: Readonly<Record<string, { readonly schema?: Schema }>>;
}

interface Operation {
  readonly summary?: string;
  readonly parameters?: readonly Parameter[];
  readonly requestBody?: MediaTypes & { readonly required?: boolean };
  readonly responses?: Readonly<
    Record<string, MediaTypes & { readonly headers?: Readonly<Record<string, Parameter>> }>
  >;
}

interface Document {
  readonly info?: { readonly title?: string };
  readonly paths?: Readonly<Record<string, Readonly<Record<string, Operation>>>>;
  readonly components?: { readonly schemas?: Readonly<Record<string, Schema>> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const LOCATIONS = ['query', 'header', 'path', 'cookie'] as const;
const INDENT = '  ';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

const quote = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
// Statuses stay numbers: openapi-fetch picks success and error responses by numeric key.
const key = (name: string): string => (IDENTIFIER.test(name) || /^[1-9]\d*$/.test(name) ? name : quote(name));
const literal = (value: unknown): string =>
  typeof value === 'string' ? quote(value) : value === undefined ? 'undefined' : JSON.stringify(value);

/** A doc comment over a member, or nothing; `*\/` in a description cannot end it early. */
function docComment(text: string | undefined, indent: string): string[] {
  if (!text?.trim()) return [];
  const lines = text.trim().replace(/\*\//g, '*\\/').split('\n');
  if (lines.length === 1) return [`${indent}/** ${lines[0]} */`];
  return [`${indent}/**`, ...lines.map((line) => `${indent} *${line ? ` ${line}` : ''}`), `${indent} */`];
}

interface Member {
  readonly name: string;
  readonly optional: boolean;
  readonly type: string;
  readonly doc?: string | undefined;
}

/** `{ ... }` over several lines, members in the given order. */
function objectType(members: readonly Member[], indent: string, index?: string): string {
  if (members.length === 0 && index === undefined) return 'Record<string, never>';
  const inner = indent + INDENT;
  const lines = members.flatMap((member) => [
    ...docComment(member.doc, inner),
    `${inner}${key(member.name)}${member.optional ? '?' : ''}: ${member.type};`,
  ]);
  if (index !== undefined) lines.push(`${inner}[key: string]: ${index};`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}

const needsParentheses = (type: string): boolean => /^[^{(]*[|&]/.test(type) || type.startsWith('(');

function union(types: readonly string[]): string {
  const unique = [...new Set(types)];
  return unique.length === 1 ? (unique[0] ?? 'unknown') : unique.join(' | ');
}

function refType(ref: string): string {
  const match = /^#\/components\/schemas\/(.+)$/.exec(ref);
  if (!match?.[1]) throw new Error(`unsupported $ref ${ref}: only #/components/schemas/<name>`);
  return `components['schemas'][${quote(match[1])}]`;
}

function primitive(type: string, schema: Schema, indent: string): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array': {
      const item = schema.items ? schemaType(schema.items, indent) : 'unknown';
      return needsParentheses(item) ? `(${item})[]` : `${item}[]`;
    }
    case 'object':
      return objectSchema(schema, indent);
    default:
      return 'unknown';
  }
}

function objectSchema(schema: Schema, indent: string): string {
  const required = new Set(schema.required ?? []);
  const members = Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    optional: !required.has(name),
    type: schemaType(property, indent + INDENT),
    doc: property.description,
  }));
  const extra = schema.additionalProperties;
  const index =
    typeof extra === 'object'
      ? Object.keys(extra).length === 0
        ? 'unknown'
        : schemaType(extra, indent + INDENT)
      : extra === true || (extra === undefined && members.length === 0)
        ? 'unknown'
        : undefined;
  // Declared properties must fit a typed index signature, so they join it.
  const indexType =
    index === undefined || index === 'unknown'
      ? index
      : union([index, ...members.map((member) => member.type), 'undefined']);
  return objectType(members, indent, indexType);
}

/** The TypeScript type of a JSON Schema, laid out for a member at `indent`. */
export function schemaType(schema: Schema, indent = ''): string {
  let type: string;
  if (schema.$ref) type = refType(schema.$ref);
  else if (schema.const !== undefined) type = literal(schema.const);
  else if (schema.enum) type = union(schema.enum.map(literal));
  else if (schema.allOf) type = schema.allOf.map((part) => wrap(schemaType(part, indent))).join(' & ');
  else if (schema.oneOf ?? schema.anyOf)
    type = union((schema.oneOf ?? schema.anyOf ?? []).map((part) => wrap(schemaType(part, indent))));
  else if (Array.isArray(schema.type)) type = union(schema.type.map((one) => primitive(one, schema, indent)));
  else if (typeof schema.type === 'string') type = primitive(schema.type, schema, indent);
  else if (schema.properties) type = objectSchema(schema, indent);
  else type = 'unknown';
  return schema.nullable ? union([wrap(type), 'null']) : type;
}

const wrap = (type: string): string => (needsParentheses(type) ? `(${type})` : type);

function contentType(media: MediaTypes, indent: string): string {
  return objectType(
    Object.entries(media.content ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([mediaType, { schema }]) => ({
        name: mediaType,
        optional: false,
        type: schema ? schemaType(schema, indent + INDENT) : 'unknown',
      })),
    indent,
  );
}

function parametersType(parameters: readonly Parameter[], indent: string): string {
  const inner = indent + INDENT;
  return objectType(
    LOCATIONS.map((location) => {
      const own = parameters.filter((parameter) => parameter.in === location);
      if (own.length === 0) return { name: location, optional: true, type: 'never' };
      return {
        name: location,
        optional: !own.some((parameter) => parameter.required),
        type: objectType(
          own.map((parameter) => ({
            name: parameter.name,
            optional: !parameter.required,
            type: parameter.schema ? schemaType(parameter.schema, inner + INDENT) : 'string',
            doc: parameter.description ?? parameter.schema?.description,
          })),
          inner,
        ),
      };
    }),
    indent,
  );
}

function responsesType(responses: NonNullable<Operation['responses']>, indent: string): string {
  const inner = indent + INDENT;
  const statuses = Object.keys(responses).sort(
    (a, b) => statusOrder(a) - statusOrder(b) || a.localeCompare(b),
  );
  return objectType(
    statuses.map((status) => {
      const response = responses[status] ?? {};
      const headers = Object.entries(response.headers ?? {}).map(([name, header]) => ({
        name,
        optional: !header.required,
        type: header.schema ? schemaType(header.schema, inner + INDENT) : 'string',
        doc: header.description,
      }));
      const members: Member[] = [
        { name: 'headers', optional: false, type: objectType(headers, inner + INDENT, 'unknown') },
        response.content && Object.keys(response.content).length > 0
          ? { name: 'content', optional: false, type: contentType(response, inner + INDENT) }
          : { name: 'content', optional: true, type: 'never' },
      ];
      return { name: status, optional: false, type: objectType(members, inner) };
    }),
    indent,
  );
}

/** Numeric statuses in order, then ranges (`4XX`) and `default`. */
const statusOrder = (status: string): number => (/^\d+$/.test(status) ? Number(status) : 1000);

function operationType(operation: Operation, indent: string): string {
  const inner = indent + INDENT;
  const body = operation.requestBody;
  return objectType(
    [
      { name: 'parameters', optional: false, type: parametersType(operation.parameters ?? [], inner) },
      body
        ? {
            name: 'requestBody',
            optional: !body.required,
            type: objectType(
              [{ name: 'content', optional: false, type: contentType(body, inner + INDENT) }],
              inner,
            ),
          }
        : { name: 'requestBody', optional: true, type: 'never' },
      { name: 'responses', optional: false, type: responsesType(operation.responses ?? {}, inner) },
    ],
    indent,
  );
}

function pathItemType(item: Readonly<Record<string, Operation>>, indent: string): string {
  const inner = indent + INDENT;
  const members: Member[] = [{ name: 'parameters', optional: false, type: parametersType([], inner) }];
  for (const method of METHODS) {
    const operation = item[method];
    members.push(
      operation
        ? { name: method, optional: false, type: operationType(operation, inner), doc: operation.summary }
        : { name: method, optional: true, type: 'never' },
    );
  }
  return objectType(members, indent);
}

/** The whole module: `paths` and `components`, sorted by name so the output never reorders. */
export function openApiToTypeScript(input: unknown): string {
  const document = input as Document;
  const paths = Object.entries(document.paths ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const schemas = Object.entries(document.components?.schemas ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const pathMembers = paths.map(([path, item]) => ({
    name: path,
    optional: false,
    type: pathItemType(item, INDENT),
  }));
  const schemaMembers = schemas.map(([name, schema]) => ({
    name,
    optional: false,
    type: schemaType(schema, INDENT + INDENT),
    doc: schema.description,
  }));
  return [
    `// Generated by \`npm run generate:client\` from the OpenAPI document of ${document.info?.title ?? 'the service'}.`,
    '// Do not edit: change the API contract and run the script again (test/client checks it is current).',
    '',
    `export interface paths ${objectType(pathMembers, '')}`,
    '',
    `export interface components ${objectType(
      [{ name: 'schemas', optional: false, type: objectType(schemaMembers, INDENT) }],
      '',
    )}`,
    '',
  ].join('\n');
}
