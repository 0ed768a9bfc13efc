import { describe, expect, it } from 'vitest';
import { loadApiConfig } from '#shared/config/api-config.ts';
import { loadConnectorConfig } from '#shared/config/connector-config.ts';
import { loadWorkflowConfig } from '#shared/config/workflow-config.ts';
import { LocalRuntimeError } from '#shared/local/errors.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';

describe('loading configuration from the environment', () => {
  it('names every variable at fault in one error', () => {
    expect(() => loadApiConfig({ TABLE_NAME: 't', IDEMPOTENCY_TTL_HOURS: '0' })).toThrow(
      /^invalid configuration: .*CURSOR_KEY_SECRET_ARN: .*IDEMPOTENCY_TTL_HOURS: /,
    );
  });

  it('applies the defaults when the optional variables are absent', () => {
    const config = loadConnectorConfig({ TABLE_NAME: 'pve-snapshots' });
    expect(config).toEqual({
      tableName: 'pve-snapshots',
      secretPrefix: 'pve-snapshots/clusters',
      agentOfflineAfterMs: 20_000,
      plans: expect.any(Map),
      defaultPlan: 'standard',
    });
    // Without TENANT_PLANS: the built-in plans as they are.
    expect([...config.plans.keys()]).toEqual(['free', 'standard', 'dedicated']);
  });

  it('gives a workflow step the connector and event targets only when its environment names them', () => {
    expect(loadWorkflowConfig({ TABLE_NAME: 't' })).toEqual({ tableName: 't' });
    expect(
      loadWorkflowConfig({
        TABLE_NAME: 't',
        CONNECTOR_FUNCTION_NAME: 'c',
        EVENT_TOPIC_ARN: 'a',
        EVENT_BUS_NAME: 'b',
      }),
    ).toEqual({ tableName: 't', connectorFunctionName: 'c', events: { topicArn: 'a', busName: 'b' } });
    expect(() => loadWorkflowConfig({ TABLE_NAME: 't', EVENT_TOPIC_ARN: 'a' })).toThrow(/EVENT_BUS_NAME/);
  });

  it('reports bad local settings as a local runtime error', () => {
    const load = () => loadLocalConfig({ PORT: '70000' });
    expect(load).toThrow(LocalRuntimeError);
    expect(load).toThrow(/^invalid setting: PORT: /);
  });
});
