import { describe, expect, it } from 'vitest';
import { loadConnectorConfig } from '#shared/config/connector-config.ts';
import { loadLocalConfig } from '#shared/local/local-config.ts';
import { unbundledApp } from '#test/infra/unbundled-app.ts';

describe('the plan new tenants start on', () => {
  it('is standard unless DEFAULT_PLAN names another', () => {
    expect(loadConnectorConfig({ TABLE_NAME: 't' }).defaultPlan).toBe('standard');
    expect(loadLocalConfig({}).defaultPlan).toBe('standard');
    expect(loadLocalConfig({ DEFAULT_PLAN: 'free' }).defaultPlan).toBe('free');
  });

  it('may be a plan of the operator’s own', () => {
    const env = { DEFAULT_PLAN: 'gold', TENANT_PLANS: JSON.stringify({ gold: { maxRetention: 90 } }) };
    expect(loadLocalConfig(env).defaultPlan).toBe('gold');
    expect(loadConnectorConfig({ TABLE_NAME: 't', ...env }).defaultPlan).toBe('gold');
  });

  it('stops the start naming the setting when no plan has that name', () => {
    expect(() => loadLocalConfig({ DEFAULT_PLAN: 'gold' })).toThrow(
      "invalid setting: DEFAULT_PLAN names no plan: 'gold' (the plans are free, standard, dedicated)",
    );
    expect(() => loadConnectorConfig({ TABLE_NAME: 't', DEFAULT_PLAN: 'Free' })).toThrow(
      /^DEFAULT_PLAN names no plan: 'Free'/,
    );
  });

  it('is checked at synth before any stack is built, naming the context value', () => {
    expect(() => unbundledApp({ 'pve-snapshots:defaultPlan': 'gold' })).toThrow(
      /^pve-snapshots:defaultPlan names no plan: 'gold'/,
    );
    expect(() =>
      unbundledApp({ 'pve-snapshots:defaultPlan': 'gold', 'pve-snapshots:tenantPlans': { free: {} } }),
    ).toThrow(/names no plan: 'gold' \(the plans are free, standard, dedicated\)/);
  });
});
