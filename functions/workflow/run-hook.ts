import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { UndiciHookCaller } from '#shared/adapters/notifications/hook-caller.ts';
import { SecretsManagerStore } from '#shared/adapters/secrets/secrets-manager-store.ts';
import { loadWorkflowConfig } from '#shared/config/workflow-config.ts';
import { instrument } from '#shared/observability/instrument.ts';
import { runHookStep } from '#shared/services/hooks/run-hook.ts';
import { stepTelemetry, workflowDeps } from './workflow-deps.ts';

const deps = workflowDeps();
const config = loadWorkflowConfig(process.env);
const hookSecrets = new SecretsManagerStore(new SecretsManagerClient({}), config.webhookSecretPrefix ?? '');
// In AWS hooks go to public addresses only (SSRF), as webhooks do.
const hookCaller = new UndiciHookCaller({ allowPrivate: false });

/** Policy-run step: a guest's pre or post hook (`lambda:invoke` from the lane state machine). */
export const handler = instrument(
  stepTelemetry('run-hook'),
  'run-hook',
  (input: Parameters<typeof runHookStep>[1]) =>
    runHookStep(
      {
        ...deps,
        hookSecrets,
        hookCaller,
        callbackUrl: (token) => `${config.publicApiUrl ?? ''}/v1/hook-callbacks/${token}`,
      },
      input,
    ),
);
