import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '#shared/ports/secret-store.ts';

/** Token secrets in AWS Secrets Manager, one secret per cluster under a common name prefix. */
export class SecretsManagerStore implements SecretStore {
  readonly #client: SecretsManagerClient;
  readonly #prefix: string;

  constructor(client: SecretsManagerClient, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  async put(name: string, value: string): Promise<string> {
    const secretName = `${this.#prefix}/${name}`;
    try {
      const created = await this.#client.send(
        new CreateSecretCommand({ Name: secretName, SecretString: value }),
      );
      return created.ARN ?? secretName;
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      const updated = await this.#client.send(
        new PutSecretValueCommand({ SecretId: secretName, SecretString: value }),
      );
      return updated.ARN ?? secretName;
    }
  }

  async get(ref: string): Promise<string> {
    const result = await this.#client.send(new GetSecretValueCommand({ SecretId: ref }));
    if (result.SecretString === undefined) throw new Error(`secret ${ref} has no string value`);
    return result.SecretString;
  }

  async delete(ref: string): Promise<void> {
    await this.#client.send(new DeleteSecretCommand({ SecretId: ref, RecoveryWindowInDays: 7 }));
  }
}
