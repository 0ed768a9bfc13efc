import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretStore } from '#shared/ports/secret-store.ts';

/**
 * A secret's id by name: a ref stored before names were used is a region-specific ARN
 * (`arn:…:secret:<name>-<6 random characters>`), which names nothing in another region.
 */
function secretIdOf(ref: string): string {
  const match = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)-[A-Za-z0-9]{6}$/.exec(ref);
  return match?.[1] ?? ref;
}

/**
 * Token secrets in AWS Secrets Manager, one secret per cluster under a common name prefix. Refs
 * are names, not ARNs, so the table's refs still name the secrets in a replica region.
 */
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
      await this.#client.send(new CreateSecretCommand({ Name: secretName, SecretString: value }));
      return secretName;
    } catch (error) {
      if (!(error instanceof ResourceExistsException)) throw error;
      await this.#client.send(new PutSecretValueCommand({ SecretId: secretName, SecretString: value }));
      return secretName;
    }
  }

  async get(ref: string): Promise<string> {
    const result = await this.#client.send(new GetSecretValueCommand({ SecretId: secretIdOf(ref) }));
    if (result.SecretString === undefined) throw new Error(`secret ${ref} has no string value`);
    return result.SecretString;
  }

  async delete(ref: string): Promise<void> {
    await this.#client.send(new DeleteSecretCommand({ SecretId: secretIdOf(ref), RecoveryWindowInDays: 7 }));
  }
}
