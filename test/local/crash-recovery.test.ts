import { describe, expect, it } from 'vitest';
import type { Operation } from '#shared/domain/operation.ts';
import type { Run } from '#shared/domain/run.ts';
import { recoverAfterCrash } from '#shared/local/crash-recovery.ts';

const run = {
  id: 'run_1',
  tenantId: 'acme',
  policyId: 'pol_1',
  scheduledTime: '2025-01-31T02:00:00.000Z',
  trigger: 'schedule',
} as Run;
const operation = (id: string, status: Operation['status'], steps?: string[]) =>
  ({ id, tenantId: 'acme', status, ...(steps ? { steps } : {}) }) as unknown as Operation;

describe('recoverAfterCrash', () => {
  it('resumes runs under a name of their own, starts operations that never ran, fails the ones that were running', async () => {
    const started: unknown[] = [];
    const finished: unknown[] = [];
    const report = await recoverAfterCrash({
      unfinishedRuns: async () => [run],
      unfinishedOperations: async () => [
        operation('op_new', 'pending'),
        operation('op_half', 'running', ['rollback']),
      ],
      startPolicyRun: (name, input) => started.push({ name, input }),
      startGuestOperation: (name, input) => started.push({ name, input }),
      finishOperation: async (input) => finished.push(input),
      logger: { warn: () => undefined },
    });
    expect(report).toEqual({
      resumedRuns: ['run_1'],
      startedOperations: ['op_new'],
      failedOperations: ['op_half'],
    });
    expect(started).toEqual([
      {
        name: 'run_1-resume',
        input: {
          tenantId: 'acme',
          policyId: 'pol_1',
          scheduledTime: run.scheduledTime,
          trigger: 'schedule',
          runId: 'run_1',
          resume: true,
        },
      },
      { name: 'op_new', input: { tenantId: 'acme', operationId: 'op_new' } },
    ]);
    expect(finished).toEqual([
      expect.objectContaining({
        operationId: 'op_half',
        outcome: 'failed',
        error: expect.objectContaining({
          Error: 'Interrupted',
          Cause: expect.stringContaining('steps: rollback'),
        }),
      }),
    ]);
  });

  it('does nothing when nothing was left unfinished', async () => {
    const report = await recoverAfterCrash({
      unfinishedRuns: async () => [],
      unfinishedOperations: async () => [],
      startPolicyRun: () => expect.unreachable(),
      startGuestOperation: () => expect.unreachable(),
      finishOperation: async () => expect.unreachable(),
      logger: { warn: () => undefined },
    });
    expect(report).toEqual({ resumedRuns: [], startedOperations: [], failedOperations: [] });
  });
});
