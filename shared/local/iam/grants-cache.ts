import { loadCachedSynthesis } from '../workflows/definition-cache.ts';
import type { LocalGrants } from './template-grants.ts';

/**
 * The synthesized stacks' grants and function settings, from `.cache/local-grants` keyed by the
 * hash of everything the CDK app imports and `cdk.json`: the CDK is loaded (and the app
 * synthesized, about ten seconds) only after a change.
 */
export async function loadGrants(): Promise<LocalGrants> {
  return await loadCachedSynthesis({
    entry: 'shared/local/iam/synthesized-grants.ts',
    folder: 'local-grants',
    alsoDependsOn: ['cdk.json'],
    synthesize: async () => (await import('./synthesized-grants.ts')).synthesizeGrants(),
    valid: (grants) => grants.roles !== undefined && grants.functions !== undefined,
  });
}
