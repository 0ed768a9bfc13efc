import { createRoute, z } from '@hono/zod-openapi';
import { HOOK_CALL_STATUSES } from '#shared/domain/hooks/hook-call.ts';
import { HOOK_PHASES } from '#shared/domain/hooks/hook-spec.ts';
import { commonErrors, idParam, json, problemContent, requires } from '../schemas.ts';

const HookCallSchema = z
  .object({
    guestId: z.string(),
    phase: z.enum(HOOK_PHASES),
    kind: z.enum(['https', 'agent']),
    target: z.string().openapi({ description: 'The URL, or the guest-agent command line' }),
    onFailure: z.enum(['abort', 'continue']),
    status: z.enum(HOOK_CALL_STATUSES),
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    latencyMs: z.number().int().optional(),
    httpStatus: z.number().int().optional(),
    exitCode: z.number().int().optional(),
    responseHead: z
      .string()
      .optional()
      .openapi({ description: 'The first 256 bytes of the answer or output' }),
    error: z.string().optional(),
    callbackOutcome: z
      .enum(['continue', 'abort'])
      .optional()
      .openapi({ description: 'What an asynchronous receiver called back' }),
  })
  .openapi('HookCall');

export const createHookSecretRoute = createRoute({
  method: 'post',
  path: '/v1/policies/{policyId}/hook-secret',
  tags: ['Policies'],
  summary:
    'A new signing secret for the policy\u2019s HTTPS hooks, shown once; replaces the previous one (admin)',
  ...requires('admin', 'policy.hook-secret'),
  request: { params: z.object({ policyId: idParam('policyId', 'pol') }) },
  responses: {
    201: {
      description: 'The secret (Standard Webhooks `whsec_…`); receivers verify `webhook-signature` with it',
      content: json(z.object({ secret: z.string() }).openapi('HookSecret')),
    },
    ...commonErrors,
  },
});

export const listHookCallsRoute = createRoute({
  method: 'get',
  path: '/v1/runs/{runId}/hook-calls',
  tags: ['Runs'],
  summary: 'The pre and post hook calls of a run: status, latency, the answer\u2019s first bytes',
  request: { params: z.object({ runId: idParam('runId', 'run') }) },
  responses: {
    200: {
      description: 'The run\u2019s hook calls',
      content: json(z.object({ items: z.array(HookCallSchema) })),
    },
    ...commonErrors,
  },
});

export const hookCallbackRoute = createRoute({
  method: 'post',
  path: '/v1/hook-callbacks/{token}',
  tags: ['Policies'],
  summary:
    'A hook receiver\u2019s answer to a call it accepted with 202 (no token: the one-time URL and the hook signature are the credentials)',
  description:
    'The URL comes in the signed hook request (`callback.url`). Sign the body as Standard Webhooks does with the policy\u2019s hook secret (`webhook-id`, `webhook-timestamp` within 5 minutes, `webhook-signature`). One answer per call, before the hook\u2019s timeout (`callback.deadline`).',
  security: [],
  request: {
    params: z.object({ token: z.string().min(1).max(1000) }),
    body: {
      required: true,
      content: json(
        z
          .strictObject({
            outcome: z.enum(['continue', 'abort']).openapi({
              description:
                '`continue`: the hook succeeded; `abort`: it failed (the hook\u2019s `onFailure` decides what the guest does)',
            }),
            message: z
              .string()
              .max(1000)
              .optional()
              .openapi({ description: 'Kept with the call (first 256 bytes)' }),
          })
          .openapi('HookCallback'),
      ),
    },
  },
  responses: {
    200: {
      description: 'Recorded; the workflow goes on',
      content: json(z.object({ status: z.enum(HOOK_CALL_STATUSES) }).openapi('HookCallbackRecorded')),
    },
    401: {
      description: 'Missing or wrong signature, or a timestamp more than 5 minutes from now',
      content: problemContent,
    },
    404: { description: 'No hook call has this token', content: problemContent },
    409: { description: 'The call was answered already, or timed out', content: problemContent },
  },
});
