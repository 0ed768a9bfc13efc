import type { z } from 'zod';

/**
 * Parses a function's environment with its schema. A bad value throws one error that names
 * every variable at fault, so a misconfigured deployment fails on its first call, saying why.
 */
export function parseEnvironment<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  toError: (problems: string) => Error = (problems) => new Error(`invalid configuration: ${problems}`),
): z.output<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw toError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
}
