/**
 * `npm run --silent token -- --tenant <id> --role <viewer|operator|admin> [--subject <name>]`
 * prints a bearer token for the local runtime and nothing else.
 */
import { parseArgs } from 'node:util';
import { isRole } from '#shared/domain/roles.ts';
import { dataPaths } from './data-dir.ts';
import { loadOrCreateSigningKey, mintToken } from './jwt.ts';
import { loadLocalConfig } from './local-config.ts';

const TENANT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { tenant: { type: 'string' }, role: { type: 'string' }, subject: { type: 'string' } },
    strict: true,
  });
  if (!values.tenant || !TENANT_ID.test(values.tenant)) {
    throw new Error(
      '--tenant <id> is required: 2-63 lower-case letters, digits or -, starting with a letter or digit',
    );
  }
  if (!isRole(values.role)) throw new Error('--role must be viewer, operator or admin');
  const config = loadLocalConfig(process.env);
  const key = await loadOrCreateSigningKey(dataPaths(config.dataDir).jwtKey);
  const token = await mintToken(key, {
    tenant: values.tenant,
    role: values.role,
    subject: values.subject ?? `${values.tenant}-${values.role}`,
    ttlSeconds: config.tokenTtlSeconds,
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  console.error(`token: ${(error as Error).message}`);
  console.error(
    'usage: npm run --silent token -- --tenant <id> --role <viewer|operator|admin> [--subject <name>]',
  );
  process.exit(2);
});
