import { createRoute, z } from '@hono/zod-openapi';

export const healthRoute = createRoute({
  method: 'get',
  path: '/v1/health',
  tags: ['System'],
  summary: 'Liveness (no token needed)',
  security: [],
  responses: {
    200: {
      description: 'The API is up',
      content: {
        'application/json': {
          schema: z.object({ status: z.literal('ok'), version: z.string() }).openapi('Health'),
        },
      },
    },
  },
});
