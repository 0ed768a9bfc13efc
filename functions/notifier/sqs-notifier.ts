import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createDocumentClient } from '#shared/adapters/dynamo/client.ts';
import { createStore } from '#shared/adapters/dynamo/store.ts';
import { NoMailer, SmtpMailer } from '#shared/adapters/notifications/smtp-mailer.ts';
import { UndiciWebhookSender } from '#shared/adapters/notifications/webhook-sender.ts';
import { SecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import { lazyServiceKey } from '#shared/adapters/secrets/service-key.ts';
import { loadNotifierConfig } from '#shared/config/notifier-config.ts';
import type { DomainEvent } from '#shared/domain/notifications/events.ts';
import { instrument } from '#shared/observability/instrument.ts';
import { measureDeliveries } from '#shared/observability/step-metrics.ts';
import { createTelemetry } from '#shared/observability/telemetry.ts';
import {
  deliverEvent,
  type NotifierDeps,
  subscriptionsPerBatch,
} from '#shared/services/notifications/notifier.ts';

// Composition root of the notifier: SNS → SQS (raw messages) → this function.
const config = loadNotifierConfig(process.env);
const telemetry = createTelemetry('pve-snapshots-notifier');
const { logger } = telemetry;
const secrets = new SecretsManagerStore(new SecretsManagerClient({}), config.webhookSecretPrefix);
const smtp = config.smtpSecretArn
  ? (JSON.parse(await secrets.get(config.smtpSecretArn)) as { url: string }).url
  : undefined;
const deps: NotifierDeps = {
  store: createStore({ doc: createDocumentClient(), tableName: config.tableName }),
  secrets,
  mailer: smtp ? new SmtpMailer(smtp, config.mailFrom) : new NoMailer(),
  // SSRF: only public addresses, checked again at every delivery and connection.
  webhooks: new UndiciWebhookSender({ allowPrivate: false }),
  confirmationKey: lazyServiceKey(secrets, config.confirmationKeySecretArn),
  now: Date.now,
  apiUrl: config.apiUrl,
  retry: { baseMs: 1000, maxMs: 30_000 },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  log: (message, fields) => logger.info(message, fields),
};

/** Delivers one event of a batch with the batch's dependencies (its read of subscriptions). */
const deliverIn = (batch: NotifierDeps) =>
  instrument(telemetry, 'deliver', (event: DomainEvent) => deliverEvent(batch, event), measureDeliveries);

/**
 * One record per event, all handled at once (one slow receiver's retries must not hold up the
 * batch past the timeout); a record whose handling threw (the table, not a receiver) is
 * retried by SQS.
 */
export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  // The batch's events share one read of each tenant's subscriptions.
  const deliver = deliverIn({ ...deps, subscriptionsOf: subscriptionsPerBatch(deps.store) });
  await Promise.all(
    event.Records.map(async (record) => {
      try {
        await deliver(JSON.parse(record.body) as DomainEvent);
      } catch (error) {
        logger.error('event not handled; SQS will retry it', {
          messageId: record.messageId,
          error: error as Error,
        });
        failures.push({ itemIdentifier: record.messageId });
      }
    }),
  );
  return { batchItemFailures: failures };
};
