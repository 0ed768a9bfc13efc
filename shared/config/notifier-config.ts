import { z } from 'zod';
import { ENV } from './env-names.ts';
import { parseEnvironment } from './parse-environment.ts';

const schema = z.object({
  [ENV.tableName]: z.string().min(1),
  [ENV.webhookSecretPrefix]: z.string().min(1).default('pve-snapshots/webhooks'),
  [ENV.mailFrom]: z.string().min(3).default('pve-snapshots <no-reply@example.com>'),
  [ENV.publicApiUrl]: z.url(),
  [ENV.confirmationKeySecretArn]: z.string().min(1),
  /** A secret holding `{"url": "smtps://user:pass@email-smtp.<region>.amazonaws.com:465"}` (SES SMTP credentials). */
  [ENV.smtpSecretArn]: z.string().min(1).optional(),
});

export interface NotifierConfig {
  readonly tableName: string;
  /** Webhook signing secrets live under this prefix; the notifier may read no other (never a cluster's token). */
  readonly webhookSecretPrefix: string;
  readonly mailFrom: string;
  readonly apiUrl: string;
  /** The key that MACs email confirmation codes (the API checks them with the same key). */
  readonly confirmationKeySecretArn: string;
  readonly smtpSecretArn?: string;
}

/** Parses the notifier function's environment once; a bad value throws naming the variable. */
export function loadNotifierConfig(env: Record<string, string | undefined>): NotifierConfig {
  const values = parseEnvironment(schema, env);
  return {
    tableName: values[ENV.tableName],
    webhookSecretPrefix: values[ENV.webhookSecretPrefix],
    mailFrom: values[ENV.mailFrom],
    apiUrl: values[ENV.publicApiUrl].replace(/\/$/, ''),
    confirmationKeySecretArn: values[ENV.confirmationKeySecretArn],
    ...(values[ENV.smtpSecretArn] ? { smtpSecretArn: values[ENV.smtpSecretArn] } : {}),
  };
}
