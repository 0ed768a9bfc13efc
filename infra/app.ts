import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseTenantPlans } from '#shared/api/settings/tenant-plans.ts';
import { parseDefaultPlan, parsePlanTable } from '#shared/config/plan-config.ts';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

/**
 * The operator's plans from the context (an object in cdk.json, a JSON string from `-c`), checked
 * now so a bad plan fails the synth rather than a tenant's first request.
 */
function planContext(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const json = typeof value === 'string' ? value : JSON.stringify(value);
  parseTenantPlans(json, 'pve-snapshots:tenantPlans');
  return json;
}

/** The plan new tenants start on, checked at synth against the plans (the built-in ones and the context's). */
function defaultPlanContext(value: unknown, tenantPlans: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const setting = 'pve-snapshots:defaultPlan';
  if (typeof value !== 'string') throw new Error(`${setting} must be a plan name (a string)`);
  return parseDefaultPlan(value, parsePlanTable(tenantPlans, 'pve-snapshots:tenantPlans'), setting);
}

/** Builds the service's CDK app; the CLI entry below and the infra tests call the same. */
export function buildApp(app: App = new App()): {
  app: App;
  stateful: StatefulStack;
  stateless: StatelessStack;
} {
  const context = (name: string) => app.node.tryGetContext(`pve-snapshots:${name}`) as string | undefined;
  const jwtIssuer = context('jwtIssuer');
  const jwtAudience = context('jwtAudience');
  if (!jwtIssuer || !jwtAudience) {
    throw new Error(
      'set the context values pve-snapshots:jwtIssuer and pve-snapshots:jwtAudience (cdk.json or -c)',
    );
  }
  // Checked before any stack is built: a bad plan fails the synth at once.
  const tenantPlans = planContext(app.node.tryGetContext('pve-snapshots:tenantPlans'));
  const defaultPlan = defaultPlanContext(app.node.tryGetContext('pve-snapshots:defaultPlan'), tenantPlans);
  // A table replica needs the stacks bound to a region (a global table is not region-agnostic).
  const replicaRegion = context('replicaRegion');
  const region = context('region') ?? process.env.CDK_DEFAULT_REGION;
  if (replicaRegion && !region) {
    throw new Error(
      'pve-snapshots:replicaRegion needs the stacks\u2019 own region: set pve-snapshots:region or deploy with a default region',
    );
  }
  const env = replicaRegion
    ? { region, ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}) }
    : undefined;
  const stateful = new StatefulStack(app, 'PveSnapshotsStateful', {
    ...(env ? { env } : {}),
    ...(replicaRegion ? { replicaRegion } : {}),
  });
  const alarmEmail = context('alarmEmail');
  const smtpSecretArn = context('smtpSecretArn');
  const mailFrom = context('mailFrom');
  const consoleClientId = context('consoleClientId');
  const stateless = new StatelessStack(app, 'PveSnapshotsStateless', {
    ...(env ? { env } : {}),
    table: stateful.table,
    cursorKey: stateful.cursorKey,
    confirmationKey: stateful.confirmationKey,
    agentCommandKey: stateful.agentCommandKey,
    clusterSecretPrefix: stateful.clusterSecretPrefix,
    webhookSecretPrefix: stateful.webhookSecretPrefix,
    scheduleGroup: stateful.scheduleGroup,
    scheduleDeadLetters: stateful.scheduleDeadLetters,
    topic: stateful.topic,
    bus: stateful.bus,
    jwtIssuer,
    jwtAudience: jwtAudience.split(',').map((value) => value.trim()),
    claims: { tenant: context('tenantClaim') ?? 'tenant', role: context('roleClaim') ?? 'role' },
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(smtpSecretArn ? { smtpSecretArn } : {}),
    ...(mailFrom ? { mailFrom } : {}),
    ...(consoleClientId ? { consoleClientId } : {}),
    ...(tenantPlans ? { tenantPlans } : {}),
    ...(defaultPlan ? { defaultPlan } : {}),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful, stateless };
}

if (import.meta.main) {
  buildApp().app.synth();
}
