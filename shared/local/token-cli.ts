/**
 * `npm run --silent token -- --tenant <id> --role <viewer|operator|admin> [--subject <name>] [--port <port>]`
 * prints a bearer token for the local runtime and nothing else; `--operator` instead prints the
 * service operator's token (for `/operator/...`). `--help` explains the options.
 */
import { parseArgs } from 'node:util';
import { OPERATOR_SCOPE } from '#shared/api/plans/operator-scope.ts';
import { isRole } from '#shared/domain/roles.ts';
import { dataPaths } from './data-dir.ts';
import { LocalRuntimeError } from './errors.ts';
import { mintOperatorToken, mintToken, readSigningKey } from './jwt.ts';
import { loadTokenSettings } from './local-config.ts';
import { registryDir, runningServices } from './service-registry.ts';
import { chooseTokenTarget, missingKeyMessage } from './token-target.ts';

const TENANT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
// Printable, no control characters: the subject lands in logs and the audit trail.
const SUBJECT = /^[\x21-\x7e][\x20-\x7e]{0,127}$/;

const USAGE = `usage: npm run --silent token -- --tenant <id> --role <viewer|operator|admin> [--subject <name>] [--port <port>]
       npm run --silent token -- --operator [--subject <name>] [--port <port>]

Prints a bearer token (JWT, ES256) for the local API and nothing else, signed with the key of
the service that will check it.

options:
  --tenant <id>      the tenant (required): 2-63 lower-case letters, digits or -, starting with a
                     letter or digit; a new tenant comes into being on its first request
  --role <role>      viewer, operator or admin (required)
  --operator         the service operator's token instead (scope ${OPERATOR_SCOPE}, no tenant):
                     only the operator routes (PUT /operator/tenants/<id>/plan) accept it
  --subject <name>   the token's subject, the actor in the audit trail (default <tenant>-<role>,
                     for --operator: operator)
  --port <port>      sign for the running service whose API listens on this port
  -h, --help         print this help

which key signs the token (the service makes it on its first start; this command never does):
  1. --port: the running service on that port, whatever its DATA_DIR
  2. DATA_DIR set: the key in that folder
  3. otherwise: the one service running (if several run, choose with --port or DATA_DIR)
  4. no service running: the key in ./.data, the default DATA_DIR

environment:
  DATA_DIR          data folder of the service to sign for (as given to npm start)
  TOKEN_TTL_HOURS   lifetime of the token in hours (default 12)
  XDG_RUNTIME_DIR   where running services announce themselves: <dir>/pve-snapshots/
                    (unset: <tmp>/pve-snapshots-<uid>/)

exit status: 0 token printed, 1 no key to sign with, 2 bad arguments
`;

/** A mistake in the command line: answered with exit status 2 and a pointer to --help. */
class UsageError extends Error {}

function parseCommandLine(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        tenant: { type: 'string' },
        operator: { type: 'boolean' },
        role: { type: 'string' },
        subject: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

async function main(): Promise<void> {
  const values = parseCommandLine(process.argv.slice(2));
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (values.operator && (values.tenant !== undefined || values.role !== undefined))
    throw new UsageError('--operator takes no --tenant or --role: the operator acts on every tenant');
  if (!values.operator && (!values.tenant || !TENANT_ID.test(values.tenant))) {
    throw new UsageError(
      '--tenant <id> is required: 2-63 lower-case letters, digits or -, starting with a letter or digit',
    );
  }
  if (!values.operator && !isRole(values.role))
    throw new UsageError('--role must be viewer, operator or admin');
  if (values.subject !== undefined && !SUBJECT.test(values.subject)) {
    throw new UsageError('--subject must be 1-128 printable ASCII characters, not starting with a space');
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port < 1 || port > 65_535) {
      throw new UsageError(`--port must be a port number (1-65535), not '${values.port}'`);
    }
  }
  const settings = loadTokenSettings(process.env);
  const services = await runningServices(registryDir(process.env));
  const target = chooseTokenTarget({
    ...(port !== undefined ? { port } : {}),
    ...(settings.dataDir !== undefined ? { dataDir: settings.dataDir } : {}),
    defaultDataDir: settings.defaultDataDir,
    services,
  });
  const keyFile = dataPaths(target.dataDir).jwtKey;
  const key = await readSigningKey(keyFile);
  if (!key) throw new LocalRuntimeError(missingKeyMessage(target, keyFile, services));
  const token = values.operator
    ? await mintOperatorToken(key, {
        subject: values.subject ?? 'operator',
        ttlSeconds: settings.tokenTtlSeconds,
      })
    : await mintToken(key, {
        tenant: values.tenant ?? '',
        role: values.role ?? '',
        subject: values.subject ?? `${values.tenant}-${values.role}`,
        ttlSeconds: settings.tokenTtlSeconds,
      });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`token: ${error.message}`);
    console.error(USAGE.split('\n')[0]);
    console.error('(npm run token -- --help explains every option)');
    process.exit(2);
  }
  console.error(`token: ${(error as Error).message}`);
  process.exit(1);
});
