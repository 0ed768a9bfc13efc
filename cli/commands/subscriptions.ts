import type { Command } from 'commander';
import { type ApiClient, type Schemas, unwrap } from '../../client/api-client.ts';
import type { CliContext } from '../context.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import type { Column } from '../output.ts';
import { listAll, resolvePolicy, resolveSubscription } from '../resolve.ts';
import { act, collect, first, second } from './action.ts';

const COLUMNS: Column<Schemas['Subscription']>[] = [
  { header: 'ID', value: (subscription) => subscription.id },
  { header: 'KIND', value: (subscription) => subscription.kind },
  { header: 'TARGET', value: (subscription) => subscription.target },
  { header: 'STATUS', value: (subscription) => subscription.status },
  { header: 'TYPES', value: (subscription) => subscription.filters.types },
  { header: 'OUTCOMES', value: (subscription) => subscription.filters.outcomes },
  { header: 'DESCRIPTION', value: (subscription) => subscription.description },
];

type Filters = Schemas['SubscriptionFilters'];

interface FilterOptions {
  type?: string[];
  outcome?: string[];
  policy?: string[];
  description?: string;
}

function filterOptions(command: Command): Command {
  return command
    .option('--type <event>', 'only this event type, e.g. run.failed (repeatable)', collect)
    .option('--outcome <outcome>', 'only success or failure (repeatable)', collect)
    .option('--policy <policy>', "only this policy's events, name or id (repeatable)", collect)
    .option('--description <text>', 'description');
}

async function filtersFrom(client: ApiClient, options: FilterOptions): Promise<Filters | undefined> {
  const filters: Filters = {
    ...(options.type ? { types: options.type as Filters['types'] } : {}),
    ...(options.outcome ? { outcomes: options.outcome as Filters['outcomes'] } : {}),
    ...(options.policy
      ? { policies: await Promise.all(options.policy.map((policy) => resolvePolicy(client, policy))) }
      : {}),
  };
  return Object.keys(filters).length > 0 ? filters : undefined;
}

export function registerSubscriptionCommands(program: Command, context: CliContext): void {
  const subscriptions = program
    .command('subscriptions')
    .alias('subscription')
    .description('notifications of runs, snapshots and restores by email or signed webhook');

  subscriptions
    .command('list')
    .alias('ls')
    .description('list subscriptions')
    .action(
      act(context, async (session) => {
        const items = await listAll(
          async (query) =>
            (await unwrap(session.client.GET('/v1/subscriptions', { params: { query } }))).data,
        );
        session.printList(items, COLUMNS);
      }),
    );

  subscriptions
    .command('get')
    .description('show one subscription')
    .argument('<subscription>', 'id, email address or webhook URL')
    .action(
      act(context, async (session, args) => {
        const subscriptionId = await resolveSubscription(session.client, first(args));
        session.print(
          (
            await unwrap(
              session.client.GET('/v1/subscriptions/{subscriptionId}', {
                params: { path: { subscriptionId } },
              }),
            )
          ).data,
        );
      }),
    );

  filterOptions(
    subscriptions
      .command('create')
      .description(
        'subscribe an email address (confirmed by a mailed code) or a webhook (secret shown once) (admin)',
      )
      .option('--email <address>', 'send email to this address')
      .option('--webhook <url>', 'POST signed events to this URL'),
  ).action(
    act<FilterOptions & { email?: string; webhook?: string }>(context, async (session, _args, options) => {
      if (Boolean(options.email) === Boolean(options.webhook))
        throw new CliError('give --email <address> or --webhook <url>', ExitCode.usage);
      const filters = await filtersFrom(session.client, options);
      const common = {
        ...(filters ? { filters } : {}),
        ...(options.description !== undefined ? { description: options.description } : {}),
      };
      const body: Schemas['SubscriptionInput'] = options.email
        ? { kind: 'email', target: options.email, ...common }
        : { kind: 'webhook', target: options.webhook as string, ...common };
      const { data } = await unwrap(session.client.POST('/v1/subscriptions', { body }));
      session.print(data);
      if (data.secret) session.note('keep the secret now: it is shown only this once');
      if (data.kind === 'email')
        session.note(`confirm with the mailed code: pvesnap subscriptions confirm ${data.id} <code>`);
    }),
  );

  filterOptions(
    subscriptions
      .command('update')
      .description("change a subscription's description or filters (admin)")
      .argument('<subscription>', 'id, email address or webhook URL'),
  ).action(
    act<FilterOptions>(context, async (session, args, options) => {
      const subscriptionId = await resolveSubscription(session.client, first(args));
      const filters = await filtersFrom(session.client, options);
      const body = {
        ...(filters ? { filters } : {}),
        ...(options.description !== undefined ? { description: options.description } : {}),
      };
      if (Object.keys(body).length === 0)
        throw new CliError('nothing to change: give a filter or --description', ExitCode.usage);
      session.print(
        (
          await unwrap(
            session.client.PATCH('/v1/subscriptions/{subscriptionId}', {
              params: { path: { subscriptionId } },
              body,
            }),
          )
        ).data,
      );
    }),
  );

  subscriptions
    .command('delete')
    .alias('rm')
    .description('unsubscribe (admin)')
    .argument('<subscription>', 'id, email address or webhook URL')
    .action(
      act(context, async (session, args) => {
        const subscriptionId = await resolveSubscription(session.client, first(args));
        await unwrap(
          session.client.DELETE('/v1/subscriptions/{subscriptionId}', {
            params: { path: { subscriptionId } },
          }),
        );
        session.note(`deleted subscription ${subscriptionId}`);
      }),
    );

  subscriptions
    .command('confirm')
    .description('activate an email subscription with the code from the confirmation mail (admin)')
    .argument('<subscription>', 'id or email address')
    .argument('<code>', 'the mailed code')
    .action(
      act(context, async (session, args) => {
        const subscriptionId = await resolveSubscription(session.client, first(args));
        session.print(
          (
            await unwrap(
              session.client.POST('/v1/subscriptions/{subscriptionId}/confirm', {
                params: { path: { subscriptionId } },
                body: { code: second(args) },
              }),
            )
          ).data,
        );
      }),
    );

  subscriptions
    .command('resend')
    .description('mail a new confirmation code; the previous one stops working (admin)')
    .argument('<subscription>', 'id or email address')
    .action(
      act(context, async (session, args) => {
        const subscriptionId = await resolveSubscription(session.client, first(args));
        await unwrap(
          session.client.POST('/v1/subscriptions/{subscriptionId}/resend-confirmation', {
            params: { path: { subscriptionId } },
          }),
        );
        session.note(`a new confirmation code is on its way for ${subscriptionId}`);
      }),
    );

  subscriptions
    .command('rotate-secret')
    .description('a new webhook signing secret; the old one keeps signing alongside for 24 h (admin)')
    .argument('<subscription>', 'id or webhook URL')
    .action(
      act(context, async (session, args) => {
        const subscriptionId = await resolveSubscription(session.client, first(args));
        session.print(
          (
            await unwrap(
              session.client.POST('/v1/subscriptions/{subscriptionId}/rotate-secret', {
                params: { path: { subscriptionId } },
              }),
            )
          ).data,
        );
      }),
    );

  subscriptions
    .command('test')
    .description('send a notification.test event to this subscription only (admin)')
    .argument('<subscription>', 'id, email address or webhook URL')
    .action(
      act(context, async (session, args) => {
        const subscriptionId = await resolveSubscription(session.client, first(args));
        session.print(
          (
            await unwrap(
              session.client.POST('/v1/subscriptions/{subscriptionId}/test', {
                params: { path: { subscriptionId } },
              }),
            )
          ).data,
        );
      }),
    );

  subscriptions
    .command('deliveries')
    .description('the delivery log of a subscription, newest first')
    .argument('<subscription>', 'id, email address or webhook URL')
    .action(
      act(context, async (session, args) => {
        const subscriptionId = await resolveSubscription(session.client, first(args));
        const items = await listAll(
          async (query) =>
            (
              await unwrap(
                session.client.GET('/v1/subscriptions/{subscriptionId}/deliveries', {
                  params: { path: { subscriptionId }, query },
                }),
              )
            ).data,
        );
        session.printList(items, [
          { header: 'EVENT', value: (delivery) => delivery.eventId },
          { header: 'TYPE', value: (delivery) => delivery.eventType },
          { header: 'STATUS', value: (delivery) => delivery.status },
          { header: 'ATTEMPTS', value: (delivery) => delivery.attempts.length },
          { header: 'CREATED', value: (delivery) => delivery.createdAt },
          { header: 'NEXT RETRY', value: (delivery) => delivery.nextRetryAt },
        ]);
      }),
    );
}
