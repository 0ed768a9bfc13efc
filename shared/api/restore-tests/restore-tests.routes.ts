import { createRoute, z } from '@hono/zod-openapi';
import { scheduleWriteError } from '../scheduled-resource.ts';
import {
  commonErrors,
  etagHeader,
  IdempotencyHeader,
  IfMatchHeader,
  idParam,
  json,
  PageQuery,
  pageOf,
  problemContent,
  requires,
  staleVersionError,
} from '../schemas.ts';
import {
  RestoreTestPatchSchema,
  RestoreTestRunSchema,
  RestoreTestSchema,
  RestoreTestSpecSchema,
} from './restore-tests.schemas.ts';

const tags = ['Restore tests'];
const TestParams = z.object({ restoreTestId: idParam('restoreTestId', 'rt') });

export const createRestoreTestRoute = createRoute({
  method: 'post',
  path: '/v1/restore-tests',
  tags,
  summary: 'Create a restore test (admin)',
  ...requires('admin', 'restore-test.create'),
  request: { headers: IdempotencyHeader, body: { content: json(RestoreTestSpecSchema), required: true } },
  responses: {
    201: { description: 'Created', content: json(RestoreTestSchema), headers: etagHeader('restore test') },
    ...commonErrors,
    409: { description: 'A restore test with this name exists', content: problemContent },
    422: { description: 'The selector names a guest the inventory does not know', content: problemContent },
    ...scheduleWriteError,
  },
});

export const listRestoreTestsRoute = createRoute({
  method: 'get',
  path: '/v1/restore-tests',
  tags,
  summary: 'List restore tests',
  request: { query: PageQuery },
  responses: {
    200: { description: 'One page', content: json(pageOf(RestoreTestSchema, 'RestoreTestPage')) },
    ...commonErrors,
  },
});

export const getRestoreTestRoute = createRoute({
  method: 'get',
  path: '/v1/restore-tests/{restoreTestId}',
  tags,
  summary: 'One restore test',
  request: { params: TestParams },
  responses: {
    200: {
      description: 'The restore test',
      content: json(RestoreTestSchema),
      headers: etagHeader('restore test'),
    },
    ...commonErrors,
  },
});

export const updateRestoreTestRoute = createRoute({
  method: 'patch',
  path: '/v1/restore-tests/{restoreTestId}',
  tags,
  summary: 'Change a restore test with a JSON Merge Patch (admin)',
  ...requires('admin', 'restore-test.update'),
  request: {
    params: TestParams,
    headers: IfMatchHeader,
    body: { content: json(RestoreTestPatchSchema), required: true },
  },
  responses: {
    200: {
      description: 'The changed restore test',
      content: json(RestoreTestSchema),
      headers: etagHeader('restore test'),
    },
    ...commonErrors,
    409: { description: 'A restore test with this name exists', content: problemContent },
    ...staleVersionError,
    422: { description: 'The selector names a guest the inventory does not know', content: problemContent },
    ...scheduleWriteError,
  },
});

export const deleteRestoreTestRoute = createRoute({
  method: 'delete',
  path: '/v1/restore-tests/{restoreTestId}',
  tags,
  summary: 'Delete a restore test and its schedule (admin); its runs stay in the history',
  ...requires('admin', 'restore-test.delete'),
  request: { params: TestParams, headers: IfMatchHeader },
  responses: {
    204: { description: 'Deleted' },
    ...commonErrors,
    ...staleVersionError,
    ...scheduleWriteError,
  },
});

export const runRestoreTestRoute = createRoute({
  method: 'post',
  path: '/v1/restore-tests/{restoreTestId}/run',
  tags,
  summary: 'Run a restore test now (operator); 202 with the run',
  ...requires('operator', 'restore-test.run'),
  request: { params: TestParams, headers: IdempotencyHeader },
  responses: {
    202: { description: 'The run, started', content: json(RestoreTestRunSchema) },
    ...commonErrors,
  },
});

export const listRestoreTestRunsRoute = createRoute({
  method: 'get',
  path: '/v1/restore-test-runs',
  tags,
  summary: 'Restore-test runs, newest first',
  request: {
    query: PageQuery.extend({
      restoreTest: z.string().optional().openapi({ description: 'Only this restore test\u2019s runs' }),
    }),
  },
  responses: {
    200: { description: 'One page', content: json(pageOf(RestoreTestRunSchema, 'RestoreTestRunPage')) },
    ...commonErrors,
  },
});

export const getRestoreTestRunRoute = createRoute({
  method: 'get',
  path: '/v1/restore-test-runs/{runId}',
  tags,
  summary: 'One restore-test run with every guest\u2019s result',
  request: { params: z.object({ runId: idParam('runId', 'rtr') }) },
  responses: { 200: { description: 'The run', content: json(RestoreTestRunSchema) }, ...commonErrors },
});
