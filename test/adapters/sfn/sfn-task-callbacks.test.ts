import { type SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { SfnTaskCallbacks } from '#shared/adapters/sfn/sfn-task-callbacks.ts';

/** A Step Functions client that records the commands sent and answers as told (the AWS boundary only). */
function sfnClient(answer: () => unknown = () => ({})) {
  const sent: Array<{ command: string; input: Record<string, unknown> }> = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ command: command.constructor.name, input: command.input });
      return answer();
    },
  } as unknown as SFNClient;
  return { client, sent };
}

describe('the Step Functions task callbacks', () => {
  it('sends a success with the output as JSON, a failure with its error and cause, and heartbeats', async () => {
    const { client, sent } = sfnClient();
    const callbacks = new SfnTaskCallbacks(client);
    expect(await callbacks.succeed('tok', { upid: 'UPID:x', status: 'stopped' })).toBe(true);
    expect(await callbacks.fail('tok', 'ProxmoxServerError', 'x'.repeat(40_000))).toBe(true);
    expect(await callbacks.heartbeat('tok')).toBe(true);
    expect(sent).toEqual([
      {
        command: 'SendTaskSuccessCommand',
        input: { taskToken: 'tok', output: '{"upid":"UPID:x","status":"stopped"}' },
      },
      // Cut to the API's limits instead of refused by it.
      {
        command: 'SendTaskFailureCommand',
        input: { taskToken: 'tok', error: 'ProxmoxServerError', cause: 'x'.repeat(32_768) },
      },
      { command: 'SendTaskHeartbeatCommand', input: { taskToken: 'tok' } },
    ]);
  });

  it('answers false for a token whose task is over, and lets other errors through', async () => {
    const closed = new SfnTaskCallbacks(
      sfnClient(() => {
        throw new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} });
      }).client,
    );
    expect(await closed.succeed('tok', {})).toBe(false);
    expect(await closed.heartbeat('tok')).toBe(false);
    const throttled = new SfnTaskCallbacks(
      sfnClient(() => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      }).client,
    );
    await expect(throttled.succeed('tok', {})).rejects.toThrow('Rate exceeded');
  });
});
