import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext, Session } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import type { Column } from '../output.ts';
import { listAll, resolveCluster } from '../resolve.ts';
import { act, first, second } from './action.ts';

const COLUMNS: Column<Schemas['Cluster']>[] = [
  { header: 'ID', value: (cluster) => cluster.id },
  { header: 'NAME', value: (cluster) => cluster.name },
  { header: 'CONNECTION', value: (cluster) => cluster.connection ?? 'direct' },
  { header: 'URL', value: (cluster) => cluster.url },
  { header: 'TOKEN ID', value: (cluster) => cluster.tokenId },
  { header: 'PINNED', value: (cluster) => (cluster.fingerprint ? 'yes' : 'no') },
];

interface ConnectionOptions {
  name?: string;
  agent?: boolean;
  proxmoxUrl?: string;
  tokenId?: string;
  tokenSecret?: string;
  fingerprint?: string;
  caFile?: string;
}

async function connection(options: ConnectionOptions): Promise<Partial<Schemas['ClusterInput']>> {
  let caCertificate: string | undefined;
  if (options.caFile) {
    try {
      caCertificate = await readFile(options.caFile, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${options.caFile}: ${(error as Error).message}`, ExitCode.usage);
    }
  }
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.proxmoxUrl !== undefined ? { url: options.proxmoxUrl } : {}),
    ...(options.tokenId !== undefined ? { tokenId: options.tokenId } : {}),
    ...(options.tokenSecret !== undefined ? { tokenSecret: options.tokenSecret } : {}),
    ...(options.fingerprint !== undefined ? { fingerprint: options.fingerprint } : {}),
    ...(caCertificate !== undefined ? { caCertificate } : {}),
  };
}

function connectionOptions(command: Command): Command {
  return (
    command
      .option('--name <name>', 'name of the cluster in this service (e.g. lab)')
      // Not --url: that one names the API of this service on every command.
      .option('--proxmox-url <url>', 'https URL of a Proxmox VE node, e.g. https://pve1.example.com:8006')
      .option('--token-id <id>', 'Proxmox API token id, user@realm!token')
      .option('--token-secret <secret>', 'the API token secret (or PVESNAP_CLUSTER_TOKEN_SECRET)')
      .option('--fingerprint <sha256>', 'pin the server certificate (AA:BB:…, as Proxmox shows it)')
      .option('--ca-file <pem>', 'trust this CA certificate (PEM file)')
  );
}

async function createAgentCluster(session: Session, options: ConnectionOptions): Promise<void> {
  if (!options.name) throw new CliError('missing: --name', ExitCode.usage);
  const { agent: _agent, name, ...details } = options;
  if (Object.values(details).some((value) => value !== undefined))
    throw new CliError('--agent takes only --name: the agent holds the connection', ExitCode.usage);
  const { data } = await unwrap(session.client.POST('/v1/clusters', { body: { name, connection: 'agent' } }));
  session.print(data);
  session.note(`next: pvesnap clusters keys create ${name}, and give the key to the agent`);
}

const KEY_COLUMNS: Column<Schemas['AgentKey']>[] = [
  { header: 'ID', value: (key) => key.id },
  { header: 'NAME', value: (key) => key.name },
  { header: 'CREATED', value: (key) => key.createdAt },
  { header: 'REVOKED', value: (key) => key.revokedAt },
];

function registerAgentKeyCommands(clusters: Command, context: CliContext): void {
  const keys = clusters
    .command('keys')
    .alias('agent-keys')
    .description("an agent cluster's agent keys: list, create (shown once), revoke");

  keys
    .command('list')
    .alias('ls')
    .description("the cluster's keys, never a secret")
    .argument('<cluster>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const clusterId = await resolveCluster(session.client, first(args));
        const { data } = await unwrap(
          session.client.GET('/v1/clusters/{clusterId}/agent-keys', { params: { path: { clusterId } } }),
        );
        session.printList(data.items, KEY_COLUMNS);
      }),
    );

  keys
    .command('create')
    .description("a key for the cluster's agent, printed this once (admin)")
    .argument('<cluster>', 'name or id')
    .option('--name <name>', 'what the key is for, e.g. pve1-agent')
    .action(
      act<{ name?: string }>(context, async (session, args, options) => {
        const clusterId = await resolveCluster(session.client, first(args));
        const { data } = await unwrap(
          session.client.POST('/v1/clusters/{clusterId}/agent-keys', {
            params: { path: { clusterId } },
            body: options.name === undefined ? {} : { name: options.name },
          }),
        );
        session.print(data);
        session.note("the key is shown this once: store it in the agent's AGENT_KEY_FILE now");
      }),
    );

  keys
    .command('revoke')
    .alias('delete')
    .description('revoke a key; its agent is disconnected at once (admin)')
    .argument('<cluster>', 'name or id')
    .argument('<key>', 'key id or name')
    .action(
      act(context, async (session, args) => {
        const clusterId = await resolveCluster(session.client, first(args));
        const { data } = await unwrap(
          session.client.GET('/v1/clusters/{clusterId}/agent-keys', { params: { path: { clusterId } } }),
        );
        const wanted = second(args);
        const matches = data.items.filter(
          (key) => !key.revokedAt && (key.id === wanted || key.name.toLowerCase() === wanted.toLowerCase()),
        );
        const [key] = matches;
        if (!key) throw new CliError(`no key "${wanted}" in force for this cluster`, ExitCode.notFound);
        if (matches.length > 1)
          throw new CliError(`"${wanted}" names ${matches.length} keys; give the id`, ExitCode.usage);
        await unwrap(
          session.client.DELETE('/v1/clusters/{clusterId}/agent-keys/{keyId}', {
            params: { path: { clusterId, keyId: key.id } },
          }),
        );
        session.note(`revoked key ${key.id} (${key.name})`);
      }),
    );
}

export function registerClusterCommands(program: Command, context: CliContext): void {
  const clusters = program
    .command('clusters')
    .alias('cluster')
    .description('Proxmox VE clusters registered for your tenant');

  clusters
    .command('list')
    .alias('ls')
    .description('list clusters')
    .action(
      act(context, async (session) => {
        const items = await listAll(
          async (query) => (await unwrap(session.client.GET('/v1/clusters', { params: { query } }))).data,
        );
        session.printList(items, COLUMNS);
      }),
    );

  clusters
    .command('get')
    .description('show one cluster')
    .argument('<cluster>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const clusterId = await resolveCluster(session.client, first(args));
        session.print(
          (await unwrap(session.client.GET('/v1/clusters/{clusterId}', { params: { path: { clusterId } } })))
            .data,
        );
      }),
    );

  connectionOptions(
    clusters
      .command('create')
      .description(
        'register a cluster: checks the connection and the token, then syncs its guests; or one reached through an agent with --agent (admin)',
      )
      .option(
        '--agent',
        'reached through an agent inside its network (give only --name; then: clusters keys create)',
      ),
  ).action(
    act<ConnectionOptions>(context, async (session, _args, options) => {
      if (options.agent) return createAgentCluster(session, options);
      const body = await connection({
        ...options,
        tokenSecret: options.tokenSecret ?? session.context.env.PVESNAP_CLUSTER_TOKEN_SECRET,
      });
      const flags = {
        name: '--name',
        url: '--proxmox-url',
        tokenId: '--token-id',
        tokenSecret: '--token-secret',
      };
      const missing = Object.entries(flags).filter(
        ([field]) => body[field as keyof typeof flags] === undefined,
      );
      if (missing.length > 0)
        throw new CliError(`missing: ${missing.map(([, flag]) => flag).join(', ')}`, ExitCode.usage);
      session.print(
        (await unwrap(session.client.POST('/v1/clusters', { body: body as Schemas['ClusterInput'] }))).data,
      );
    }),
  );

  connectionOptions(
    clusters
      .command('update')
      .description('change a cluster; new connection details must pass the connection check (admin)')
      .argument('<cluster>', 'name or id'),
  ).action(
    act<ConnectionOptions>(context, async (session, args, options) => {
      const clusterId = await resolveCluster(session.client, first(args));
      const body = await connection(options);
      if (Object.keys(body).length === 0)
        throw new CliError('nothing to change: give at least one option', ExitCode.usage);
      session.print(
        (
          await unwrap(
            session.client.PATCH('/v1/clusters/{clusterId}', { params: { path: { clusterId } }, body }),
          )
        ).data,
      );
    }),
  );

  clusters
    .command('delete')
    .alias('rm')
    .description('delete a cluster and its stored secret; its guests are marked gone (admin)')
    .argument('<cluster>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const clusterId = await resolveCluster(session.client, first(args));
        await unwrap(session.client.DELETE('/v1/clusters/{clusterId}', { params: { path: { clusterId } } }));
        session.note(`deleted cluster ${clusterId}`);
      }),
    );

  clusters
    .command('sync')
    .description("read the cluster's guests now (operator)")
    .argument('<cluster>', 'name or id')
    .action(
      act(context, async (session, args) => {
        const clusterId = await resolveCluster(session.client, first(args));
        session.print(
          (
            await unwrap(
              session.client.POST('/v1/clusters/{clusterId}/sync', { params: { path: { clusterId } } }),
            )
          ).data,
        );
      }),
    );

  registerAgentKeyCommands(clusters, context);
}
