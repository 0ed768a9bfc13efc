import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '#test/support/api.ts';
import { ApiError, ApiUnreachableError, createApiClient, unwrap } from '../../client/api-client.ts';
import { loadOpenApiDocument } from '../../client/generate/openapi-document.ts';

let api: TestApi;
let token: string;

beforeAll(async () => {
  api = await startTestApi();
  token = await api.runtime.token('client-tenant', 'admin');
});
afterAll(() => api.stop());

/** A port nothing listens on: bound, noted and released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the generated client', () => {
  it('is generated from the document the running service serves', async () => {
    const served: any = await (await fetch(`${api.url}/openapi.json`)).json();
    const offline: any = await loadOpenApiDocument();
    expect({ ...offline, info: { ...offline.info, version: '' } }).toEqual({
      ...served,
      info: { ...served.info, version: '' },
    });
  });

  it('creates and reads a resource with the token, and gives the answer headers', async () => {
    const client = createApiClient({ baseUrl: `${api.url}/`, token });
    const created = await unwrap(
      client.POST('/v1/policies', {
        body: {
          name: 'typed',
          schedule: { cron: '0 2 * * *', timezone: 'UTC' },
          selector: { tags: ['prod'] },
        },
      }),
    );
    expect(created.data.name).toBe('typed');
    const read = await unwrap(
      client.GET('/v1/policies/{policyId}', { params: { path: { policyId: created.data.id } } }),
    );
    expect(read.data.id).toBe(created.data.id);
    expect(read.response.headers.get('etag')).toMatch(/.+/);
  });

  it('turns a problem document into an ApiError with its status, slug and detail', async () => {
    const client = createApiClient({ baseUrl: api.url, token });
    const error = await unwrap(
      client.GET('/v1/policies/{policyId}', {
        params: { path: { policyId: 'pol_01JD7W3M4Q8ZC5N2R6T9V0X1Y2' } },
      }),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(404);
    expect((error as ApiError).slug).toBe('not-found');
    expect((error as ApiError).problem?.requestId).toMatch(/.+/);
  });

  it('lists every violated rule of a refused body in the ApiError', async () => {
    const client = createApiClient({ baseUrl: api.url, token });
    const error = (await unwrap(client.POST('/v1/policies', { body: { name: '' } as never })).catch(
      (caught: unknown) => caught,
    )) as ApiError;
    expect(error.status).toBe(400);
    expect(error.slug).toBe('validation-failed');
    expect(error.problem?.errors?.map((issue) => issue.path)).toEqual(expect.arrayContaining(['name']));
  });

  it("reports the gateway's plain 401 as an ApiError without a problem document", async () => {
    const client = createApiClient({ baseUrl: api.url, token: 'not-a-token' });
    const error = (await unwrap(client.GET('/v1/clusters')).catch((caught: unknown) => caught)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(401);
    expect(error.problem).toBeUndefined();
    expect(error.message).toBe('Unauthorized');
  });

  it('throws ApiUnreachableError when nothing listens', async () => {
    const client = createApiClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, token });
    await expect(client.GET('/v1/health')).rejects.toBeInstanceOf(ApiUnreachableError);
  });
});
