import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './api-types.ts';

/** The API's named schemas (`Schemas['Policy']`), as the OpenAPI document declares them. */
export type Schemas = components['schemas'];
/** An RFC 9457 problem document, as every error of the API (but the gateway's 401) is. */
export type Problem = Schemas['Problem'];
/** A typed client of the whole API: `client.GET('/v1/policies/{policyId}', { params: ... })`. */
export type ApiClient = Client<paths>;

const PROBLEM_TYPE_PREFIX = 'urn:pve-snapshots:problem:';

function isProblem(body: unknown): body is Problem {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Problem).type === 'string' &&
    typeof (body as Problem).title === 'string'
  );
}

/** The API answered with a status outside 2xx. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  /** The problem document, when the answer was one (the gateway's 401 is not). */
  readonly problem: Problem | undefined;
  /** The answer's body when it was no problem document. */
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    const problem = isProblem(body) ? body : undefined;
    super(ApiError.describe(status, problem, body));
    this.status = status;
    this.problem = problem;
    this.body = body;
  }

  /** The problem's stable slug (`not-found`, `validation-failed`, ...), if any. */
  get slug(): string | undefined {
    return this.problem?.type.startsWith(PROBLEM_TYPE_PREFIX)
      ? this.problem.type.slice(PROBLEM_TYPE_PREFIX.length)
      : undefined;
  }

  private static describe(status: number, problem: Problem | undefined, body: unknown): string {
    if (problem) return problem.detail ? `${problem.title}: ${problem.detail}` : problem.title;
    const message = (body as { message?: unknown } | undefined)?.message;
    if (typeof message === 'string') return message;
    return typeof body === 'string' && body ? body : `HTTP ${status}`;
  }
}

/** No answer at all: the service is not listening, the name does not resolve, TLS failed. */
export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
  readonly url: string;

  constructor(url: string, cause: unknown) {
    const reason = (cause as { cause?: { message?: string } })?.cause?.message ?? (cause as Error)?.message;
    super(`cannot reach ${url}${reason ? `: ${reason}` : ''}`, { cause });
    this.url = url;
  }
}

export interface ApiClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:3000` (paths start with `/v1`). */
  readonly baseUrl: string;
  /** Bearer token (JWT) sent on every request. */
  readonly token?: string | undefined;
  /** Another fetch (tests, proxies). */
  readonly fetch?: (request: Request) => Promise<Response>;
}

/** A client of the API at `baseUrl`, sending the token; unreachable services throw `ApiUnreachableError`. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const client = createClient<paths>({
    baseUrl,
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use({ onError: ({ error, request }) => new ApiUnreachableError(request.url, error) });
  return client;
}

interface Answer {
  readonly data?: unknown;
  readonly error?: unknown;
  readonly response: Response;
}

/**
 * The data of a successful answer, or an `ApiError` carrying the problem document:
 * `const { data } = await unwrap(client.GET('/v1/runs/{runId}', ...))`.
 */
export async function unwrap<A extends Answer>(
  pending: Promise<A>,
): Promise<{ readonly data: Exclude<A['data'], undefined>; readonly response: Response }> {
  const answer = await pending;
  if (!answer.response.ok || answer.error !== undefined)
    throw new ApiError(answer.response.status, answer.error);
  return { data: answer.data as Exclude<A['data'], undefined>, response: answer.response };
}
