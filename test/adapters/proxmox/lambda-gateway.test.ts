import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { LambdaProxmoxGateway } from '#shared/adapters/proxmox/lambda-gateway.ts';
import { statusOf } from '#shared/api/problem.ts';
import { reviveError, serializeError } from '#shared/domain/error-registry.ts';
import {
  ProxmoxInvalidParameterError,
  ProxmoxLockedError,
  ProxmoxPermissionError,
  ProxmoxTaskFailedError,
  ProxmoxTlsError,
  ProxmoxUnreachableError,
} from '#shared/domain/proxmox-errors.ts';

/** A Lambda client that answers one invocation as the connector function would (AWS boundary only). */
function lambdaAnswering(payload: unknown, functionError?: string) {
  const sent: unknown[] = [];
  const client = {
    send: async (command: { input: { FunctionName: string; Payload: Uint8Array } }) => {
      sent.push({
        name: command.input.FunctionName,
        payload: JSON.parse(new TextDecoder().decode(command.input.Payload)),
      });
      return {
        StatusCode: 200,
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
        ...(functionError ? { FunctionError: functionError } : {}),
      };
    },
  } as unknown as LambdaClient;
  return { client, sent };
}

describe('the Lambda gateway to the connector function', () => {
  it('sends the request to the connector and returns its result', async () => {
    const { client, sent } = lambdaAnswering({ version: '8.4.1', privileges: {} });
    const gateway = new LambdaProxmoxGateway(client, 'connector-fn');
    const request = { tenantId: 't', clusterId: 'c', command: { type: 'version' as const } };
    expect(await gateway.call(request)).toEqual({ version: '8.4.1', privileges: {} });
    expect(sent).toEqual([{ name: 'connector-fn', payload: request }]);
  });

  it('rebuilds the connector\u2019s typed error with its fields', async () => {
    const original = new ProxmoxLockedError(
      'task failed: VM is locked (backup)',
      'VM is locked (backup)',
      'backup',
    );
    const { client } = lambdaAnswering(
      { errorType: 'ProxmoxLockedError', errorMessage: JSON.stringify(serializeError(original)), trace: [] },
      'Unhandled',
    );
    const error = await new LambdaProxmoxGateway(client, 'fn')
      .call({ tenantId: 't', clusterId: 'c', command: { type: 'version' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProxmoxLockedError);
    expect(error).toMatchObject({
      lock: 'backup',
      proxmoxText: 'VM is locked (backup)',
      type: 'proxmox-locked',
      message: original.message,
    });
    expect(statusOf(error as ProxmoxLockedError)).toBe(409);
  });

  it('keeps the name of an error it does not know, such as a Lambda timeout', async () => {
    const { client } = lambdaAnswering(
      { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 90.00 seconds' },
      'Unhandled',
    );
    const error = await new LambdaProxmoxGateway(client, 'fn')
      .call({ tenantId: 't', clusterId: 'c', command: { type: 'version' } })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'Sandbox.Timedout', message: 'Task timed out after 90.00 seconds' });
  });
});

describe('error serialization', () => {
  it.each([
    new ProxmoxPermissionError('m', 'Permission check failed (/vms/1, VM.Snapshot)', '/vms/1', 'VM.Snapshot'),
    new ProxmoxInvalidParameterError('m', 'Parameter verification failed.', { snapname: 'bad' }),
    new ProxmoxTaskFailedError('m', 'out of space', 'UPID:n:1:2:3:t:1:u:'),
    new ProxmoxTlsError('m', 'mismatch', 'AA', 'BB'),
    new ProxmoxUnreachableError('m', 'No route to host', { httpStatus: 595 }),
  ])('round-trips %s with its class and fields', (error) => {
    const revived = reviveError(JSON.parse(JSON.stringify(serializeError(error))));
    expect(revived).toBeInstanceOf(error.constructor);
    expect({ ...revived }).toEqual({ ...error });
    expect(revived.message).toBe(error.message);
  });
});
