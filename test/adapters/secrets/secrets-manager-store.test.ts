import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';

/** The SDK client faked at the AWS boundary: records each command, answers like Secrets Manager. */
function fakeClient(existing: string[] = []) {
  const sent: Array<{ name: string; input: Record<string, unknown> }> = [];
  const arn = (name: string) => `arn:aws:secretsmanager:eu-central-1:123456789012:secret:${name}-AbC123`;
  const client = {
    send: async (command: { input: Record<string, unknown>; constructor: { name: string } }) => {
      sent.push({ name: command.constructor.name, input: command.input });
      if (command instanceof CreateSecretCommand) {
        if (existing.includes(String(command.input.Name)))
          throw new ResourceExistsException({ message: 'exists', $metadata: {} });
        return { ARN: arn(String(command.input.Name)) };
      }
      if (command instanceof PutSecretValueCommand) return { ARN: arn(String(command.input.SecretId)) };
      if (command instanceof GetSecretValueCommand) return { SecretString: 'value' };
      return {};
    },
  };
  return { client: client as unknown as SecretsManagerClient, sent };
}

describe('the Secrets Manager store', () => {
  it('returns the secret’s name, never its region-specific ARN, when it creates or replaces one', async () => {
    const created = fakeClient();
    expect(await new SecretsManagerStore(created.client, 'svc/clusters').put('cl_1', 's')).toBe(
      'svc/clusters/cl_1',
    );
    const replaced = fakeClient(['svc/clusters/cl_1']);
    expect(await new SecretsManagerStore(replaced.client, 'svc/clusters').put('cl_1', 's')).toBe(
      'svc/clusters/cl_1',
    );
  });

  it('reads a ref stored as an ARN by its name, so it resolves in any region', async () => {
    const { client, sent } = fakeClient();
    const store = new SecretsManagerStore(client, 'svc/clusters');
    await store.get('arn:aws:secretsmanager:us-east-1:123456789012:secret:svc/clusters/cl_1-XyZ789');
    await store.get('svc/clusters/cl_2');
    expect(sent.map((command) => command.input.SecretId)).toEqual(['svc/clusters/cl_1', 'svc/clusters/cl_2']);
  });
});
