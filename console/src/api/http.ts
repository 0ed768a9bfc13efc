/** The API as the console calls it: same origin, bearer token, problem+json turned into errors. */

interface FieldError {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: FieldError[];
  readonly requiredRole?: string;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
  }

  /** The messages for one field (`schedule.cron`), as the API named them. */
  forField(path: string): string[] {
    return (this.problem.errors ?? []).filter((error) => error.path === path).map((error) => error.message);
  }
}

interface ApiResult<T> {
  readonly data: T;
  readonly headers: Headers;
}

type Query = Record<string, string | number | boolean | undefined>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  getWithHeaders<T>(path: string, query?: Query): Promise<ApiResult<T>>;
  send<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  text(path: string, query: Query, accept: string): Promise<{ text: string; headers: Headers }>;
}

function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** One id segment of a path: `lab/101` and ULIDs alike. */
export const segment = (value: string) => encodeURIComponent(value);

export function createApi(token: () => string | undefined, onUnauthorized: () => void): Api {
  const call = async (method: string, path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    const bearer = token();
    if (bearer) headers.set('authorization', `Bearer ${bearer}`);
    const response = await fetch(path, { ...init, method, headers });
    if (response.ok) return response;
    if (response.status === 401) onUnauthorized();
    const text = await response.text();
    let problem: Problem = { status: response.status, title: response.statusText };
    try {
      const parsed = JSON.parse(text) as Partial<Problem> & { message?: string };
      problem = {
        ...parsed,
        status: response.status,
        title: parsed.title ?? parsed.message ?? problem.title,
      };
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(problem);
  };
  const json = async <T>(response: Response): Promise<T> =>
    (response.status === 204 ? undefined : await response.json()) as T;
  return {
    get: async (path, query) =>
      json(await call('GET', withQuery(path, query), { headers: { accept: 'application/json' } })),
    getWithHeaders: async <T>(path: string, query?: Query) => {
      const response = await call('GET', withQuery(path, query), { headers: { accept: 'application/json' } });
      return { data: await json<T>(response), headers: response.headers };
    },
    send: async (method, path, body, headers = {}) =>
      json(
        await call(method, path, {
          headers: {
            accept: 'application/json',
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        }),
      ),
    text: async (path, query, accept) => {
      const response = await call('GET', withQuery(path, query), { headers: { accept } });
      return { text: await response.text(), headers: response.headers };
    },
  };
}
