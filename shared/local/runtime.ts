// First: before anything loads the X-Ray SDK (see the module).
import './xray-off.ts';
import type { Server } from 'node:http';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, localClientConfig } from '#shared/adapters/dynamo/client.ts';
import { createStore, type Store } from '#shared/adapters/dynamo/store.ts';
import { UndiciHookCaller } from '#shared/adapters/notifications/hook-caller.ts';
import { OutboxEventPublisher } from '#shared/adapters/notifications/outbox-event-publisher.ts';
import { SmtpMailer } from '#shared/adapters/notifications/smtp-mailer.ts';
import { UndiciWebhookSender } from '#shared/adapters/notifications/webhook-sender.ts';
import { CachedProxmoxConnector } from '#shared/adapters/proxmox/proxmox-connector.ts';
import { LocalSecretStore } from '#shared/adapters/secrets/local-secret-store.ts';
import { createApiHandler } from '#shared/api/lambda.ts';
import type { WorkflowStepEntry } from '#shared/config/workflow-steps.ts';
import { AnswerLatency } from '#shared/domain/agent/answer-polls.ts';
import { RecentKeyChecks } from '#shared/domain/agent/key-checks.ts';
import { KnownConnections } from '#shared/domain/agent/known-connections.ts';
import { MessageRateLimiter } from '#shared/domain/agent/message-rate.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import type { LaneRef } from '#shared/domain/lane.ts';
import { runIdFor } from '#shared/domain/run.ts';
import { instrumentSteps } from '#shared/observability/instrument.ts';
import { measureFinishedRun, measureGuestResult } from '#shared/observability/step-metrics.ts';
import { createTelemetry } from '#shared/observability/telemetry.ts';
import { inProcessAnswers } from '#shared/ports/agent-connections.ts';
import type { PolicyRunInput, RestoreTestRunInput } from '#shared/ports/workflow-starter.ts';
import {
  agentConnected,
  agentDisconnected,
  agentMessage,
  authorizeAgentKey,
} from '#shared/services/agents/agent-gateway.ts';
import { runConnectorCommand } from '#shared/services/connector-commands.ts';
import { finishOperation } from '#shared/services/guest-operations/finish-operation.ts';
import { planOperation } from '#shared/services/guest-operations/plan-operation.ts';
import { runHookStep } from '#shared/services/hooks/run-hook.ts';
import type { RpoCheckSummary } from '#shared/services/insight/rpo-check.ts';
import { runRpoCheckEverywhere } from '#shared/services/insight/rpo-sweep.ts';
import { deliverEvent, subscriptionsPerBatch } from '#shared/services/notifications/notifier.ts';
import { claimRun } from '#shared/services/policy-run/claim-run.ts';
import { finishRun } from '#shared/services/policy-run/finish-run.ts';
import { loadLane } from '#shared/services/policy-run/load-lane.ts';
import { recordGuestResult } from '#shared/services/policy-run/record-result.ts';
import { resolveTargets } from '#shared/services/policy-run/resolve-targets.ts';
import { reconcileGuests } from '#shared/services/reconcile-guests.ts';
import { endInterruptedRestoreTests } from '#shared/services/restore-tests/interrupted.ts';
import { restoreTestRunIdFor } from '#shared/services/restore-tests/restore-tests.ts';
import { restoreTestStep } from '#shared/services/restore-tests/run-step.ts';
import { planPrune } from '#shared/services/retention/plan-prune.ts';
import { recordPrune } from '#shared/services/retention/record-prune.ts';
import { CONSOLE_DIST } from './console/build-console.ts';
import { createConsoleSite } from './console/console-site.ts';
import { createLocalSignIn } from './console/local-sign-in.ts';
import { recoverAfterCrash } from './crash-recovery.ts';
import { dataPaths, loadOrCreateKey, prepareDataDir } from './data-dir.ts';
import { demoAgentKeyFile, startDemoAgent } from './demo-agent.ts';
import { seedDemoTenant } from './demo-seed.ts';
import { playTransactionConflicts, type TransactionConflicts } from './dynamo/transaction-conflicts.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.ts';
import { LocalRuntimeError } from './errors.ts';
import { assertPortsFree } from './free-port.ts';
import { createLocalHttpServer } from './http-server.ts';
import { loadGrants } from './iam/grants-cache.ts';
import {
  guardDynamoClient,
  guardEventPublisher,
  guardProxmoxGateway,
  guardSecretStore,
  guardWorkflowStarter,
} from './iam/guarded-ports.ts';
import { LocalIam } from './iam/local-iam.ts';
import type { LocalGrants } from './iam/template-grants.ts';
import { InProcessProxmoxGateway } from './in-process-gateway.ts';
import { createTokenVerifier, loadOrCreateSigningKey, mintOperatorToken, mintToken } from './jwt.ts';
import { type LocalConfig, portsToBind } from './local-config.ts';
import { startLocalMailbox } from './local-mailbox.ts';
import { LocalScheduler, policiesAreTheSchedule, restoreTestsAreTheSchedule } from './local-scheduler.ts';
import { type LocalSweepSummary, runLocalSweep } from './local-sweep.ts';
import { type NotificationDispatcher, startNotificationDispatcher } from './notification-dispatcher.ts';
import { startHostedSimulator } from './simulator-host.ts';
import { ensureTable } from './table-bootstrap.ts';
import { ThrottleInjector } from './throttling/throttle-injector.ts';
import { startTtlSweeper } from './ttl-sweeper.ts';
import { LOCAL_AGENT_PATH, LocalWebSocketGateway } from './websocket-gateway.ts';
import { loadWorkflowDefinitions } from './workflows/definition-cache.ts';
import { endedExecutionHandler } from './workflows/ended-executions.ts';
import { localTaskCallbacks } from './workflows/local-task-callbacks.ts';
import { type LocalFunction, LocalWorkflowRunner } from './workflows/local-workflow-runner.ts';
import { scaledWaits } from './workflows/scaled-waits.ts';

export interface LocalRuntime {
  /** Base URL of the API, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** Where agents connect (the local WebSocket gateway), e.g. `ws://127.0.0.1:3000/agent`. */
  readonly agentUrl: string;
  readonly store: Store;
  readonly dynamoEndpoint: string;
  readonly dataDir: string;
  /** Runs the synthesized state machines locally. */
  readonly workflows: LocalWorkflowRunner;
  /** What the synthesized template grants each function, as enforced here. */
  readonly iam: LocalIam;
  /** The throttling injected on demand (`LOCAL_THROTTLE`); counts what it injected. */
  readonly throttle: ThrottleInjector;
  /** DynamoDB's transaction conflicts as played here; counts the transactions cancelled. */
  readonly transactionConflicts: TransactionConflicts;
  /** Delivers published events from the outbox (tests wait on `idle()`). */
  readonly notifications: NotificationDispatcher;
  /** Runs the daily sweep now, unit by unit (reconciliation, then retention's prune lanes, which it starts but does not await). */
  sweep(): Promise<LocalSweepSummary>;
  /** Runs the RPO check of every tenant now (publishes `rpo.breached` / `rpo.recovered`). */
  rpoCheck(): Promise<RpoCheckSummary[]>;
  /** The `demo` tenant's `lab` cluster, when one is configured or simulated. */
  readonly demo?: { readonly clusterId: string; readonly proxmoxUrl: string; readonly fingerprint?: string };
  /** Mints a token the way `npm run token` does. */
  token(tenant: string, role: string, subject?: string): Promise<string>;
  /** Mints the service operator's token, as `npm run token -- --operator` does. */
  operatorToken(subject?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface LocalRuntimeOptions {
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Milliseconds for the workflows' Wait states, by state name (tests run them fast). */
  readonly workflowWaitOverrides?: Record<string, number>;
  /** PEM certificates HTTPS hooks also trust (tests: their self-signed receiver). */
  readonly hookCertificates?: readonly string[];
  /** Receives every workflow execution event (benchmarks count state transitions). */
  readonly onWorkflowEvent?: (
    execution: string,
    event: { type: string; state?: { name: string; type?: string } },
    /** The execution's state machine type (Standard and Express transitions are billed apart). */
    machineType: 'STANDARD' | 'EXPRESS',
  ) => void;
  /** Receives each workflow execution's history event count when it ends (benchmarks: the largest execution). */
  readonly onWorkflowHistory?: (execution: string, events: number) => void;
  /** `false`: no local scheduler (tests start runs themselves). */
  readonly scheduler?: boolean;
  /** Grants to enforce instead of the synthesized template's (tests remove one to see a call fail). */
  readonly grants?: LocalGrants;
  /** How long after its load a fast lane may start guests, instead of FAST_LANE_LIMITS' (tests run a lane out of time). */
  readonly fastLaneStartWithinMs?: number;
  /** How long an Express execution may run, instead of Step Functions' 5 minutes (tests fail a fast lane). */
  readonly expressLimitMs?: number;
  /** The built console to serve at `/`. Default: console/dist (built by `npm start`). */
  readonly consoleDir?: string;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new LocalRuntimeError(
            `port ${port} is already in use; stop the other process or set PORT to a free port`,
          ),
        );
      } else reject(error);
    });
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** A cluster that cannot be reached must not keep the API from starting: warn and go on. */
async function seedOrWarn(
  deps: Parameters<typeof seedDemoTenant>[0],
  logger: Logger,
  connection: Parameters<typeof seedDemoTenant>[1],
): Promise<{ clusterId: string } | undefined> {
  try {
    return await seedDemoTenant(deps, connection);
  } catch (error) {
    logger.warn('could not register or sync the demo cluster lab; the API runs without it', {
      url: connection.url,
      error: (error as Error).message,
    });
    return undefined;
  }
}

/**
 * Starts the whole service on embedded parts: DynamoDB Local (or a given endpoint), the table
 * from the shared declaration, the API handler behind a local API Gateway, and the TTL sweeper.
 * Everything it started is stopped again by `stop()`.
 */
export async function startLocalRuntime(
  config: LocalConfig,
  options: LocalRuntimeOptions = {},
): Promise<LocalRuntime> {
  const logger =
    options.logger ?? new Logger({ serviceName: 'pve-snapshots-local', logLevel: config.logLevel });
  const now = options.now ?? Date.now;
  // Cheap checks first: a taken port or an unusable folder is reported before DynamoDB Local
  // spends its many seconds starting.
  await assertPortsFree(portsToBind(config));
  const tightened = await prepareDataDir(config.dataDir);
  if (tightened.length > 0) {
    logger.warn('the data folder was open to other users; it is private now (folders 0700, files 0600)', {
      dataDir: config.dataDir,
      tightened: tightened.length,
      paths: tightened.slice(0, 10),
    });
  }
  const paths = dataPaths(config.dataDir);
  // The keys exist before anything slow starts, so `npm run token` finds this service's key
  // as soon as the service is starting.
  const cursorKey = await loadOrCreateKey(paths.cursorKey);
  const signingKey = await loadOrCreateSigningKey(paths.jwtKey);
  const secretsKey = await loadOrCreateKey(paths.secretsKey);
  const confirmationKeyBytes = await loadOrCreateKey(paths.confirmationKey);
  const confirmationKey = async () => confirmationKeyBytes;
  // Signs agent command ids (the connector) and checks answers' (the WebSocket routes).
  const agentCommandKeyBytes = await loadOrCreateKey(paths.agentCommandKey);
  const agentCommandKey = async () => agentCommandKeyBytes;
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
    stops.length = 0;
  };
  try {
    let dynamo: DynamoDbLocal | undefined;
    if (!config.dynamoEndpoint) {
      dynamo = await startDynamoDbLocal({ dataDir: paths.dynamodb });
      stops.push(() => (dynamo as DynamoDbLocal).stop());
    }
    const dynamoEndpoint = config.dynamoEndpoint ?? (dynamo as DynamoDbLocal).endpoint;
    // What the synthesized template grants each function, and each function's timeout.
    const iam = new LocalIam(options.grants ?? (await loadGrants()), {
      mode: config.iamMode,
      onDenied: (denied) =>
        logger.error(
          config.iamMode === 'enforce'
            ? 'call refused: the synthesized template does not grant it'
            : 'call let through (LOCAL_IAM=report) that AWS would refuse: the synthesized template does not grant it',
          {
            action: denied.action,
            resource: denied.resource,
            role: denied.caller.role,
            function: denied.caller.session,
          },
        ),
    });
    const throttle = new ThrottleInjector(config.throttle, config.throttleSeed);
    const client = new DynamoDBClient(localClientConfig(dynamoEndpoint));
    const tableState = await ensureTable(client, config.tableName);
    client.destroy();
    logger.debug('table ready', { table: config.tableName, state: tableState });

    const doc = createDocumentClient(localClientConfig(dynamoEndpoint));
    guardDynamoClient(iam, doc);
    const transactionConflicts = playTransactionConflicts(doc);
    throttle.attachTo(doc);
    stops.push(async () => doc.destroy());
    const store = createStore({
      doc,
      tableName: config.tableName,
      cursorKey,
      now,
    });
    const localSecrets = new LocalSecretStore(paths.secrets, secretsKey);
    const secrets = guardSecretStore(iam, localSecrets);
    // One local store: webhook and token secrets have distinct names (AWS keeps them under two
    // prefixes, each function granted only its own).
    const webhookSecrets = guardSecretStore(iam, localSecrets, 'WEBHOOK_SECRET_PREFIX');
    const connector = new CachedProxmoxConnector(secrets);
    stops.push(() => connector.close());
    // Events go to the outbox; the dispatcher (started once the API listens) delivers them.
    let wakeDispatcher = () => {};
    const events = guardEventPublisher(
      iam,
      new OutboxEventPublisher(store.deliveries, () => wakeDispatcher()),
    );
    const ids = createUlidGenerator(now);
    // Agents connect to the local WebSocket gateway (its own port, AGENT_PORT), the way they
    // connect to API Gateway's WebSocket API in AWS.
    const agentGateway = new LocalWebSocketGateway(config.agentGatewayLimits);
    stops.push(() => agentGateway.stop());
    const answers = inProcessAnswers();
    const agents = {
      connections: agentGateway,
      answers,
      ids,
      now,
      events,
      offlineAfterMs: config.agentOfflineAfterMs,
      latency: new AnswerLatency(),
      known: new KnownConnections(),
      commandKey: agentCommandKey,
    };
    const connectorDeps = {
      store,
      proxmox: connector,
      agents,
      plans: config.plans,
      defaultPlan: config.defaultPlan,
      ids,
      now,
    };
    // Locally the connector's code runs in-process; in AWS the API invokes the connector function.
    const proxmox = guardProxmoxGateway(iam, new InProcessProxmoxGateway(connectorDeps));
    const deps = {
      store,
      secrets,
      proxmox,
      ids,
      now,
      events,
      plans: config.plans,
      defaultPlan: config.defaultPlan,
    };
    let smtpUrl = config.smtpUrl;
    if (!smtpUrl) {
      const mailbox = await startLocalMailbox(paths.mail, (file, to) =>
        logger.info('email saved to the local mailbox', { file, to }),
      );
      stops.push(() => mailbox.stop());
      smtpUrl = mailbox.url;
    }
    const mailer = new SmtpMailer(smtpUrl, config.mailFrom);
    stops.push(() => mailer.close());
    const webhookAddresses = { allowPrivate: config.webhookPrivateAddresses };
    const webhooks = new UndiciWebhookSender(webhookAddresses);
    stops.push(() => webhooks.close());
    // Hooks follow the webhooks' address rules; tests may add a certificate their receiver uses.
    const hookCaller = new UndiciHookCaller(webhookAddresses, { ca: options.hookCertificates ?? [] });
    stops.push(() => hookCaller.close());

    let demo: LocalRuntime['demo'];
    let seedThroughAgent: ((agentUrl: string) => Promise<void>) | undefined;
    if (config.proxmox.kind === 'simulator') {
      const simulator = await startHostedSimulator(config.dataDir, config.proxmox);
      stops.push(() => simulator.stop());
      const fingerprint = simulator.server.fingerprint();
      const url = `https://127.0.0.1:${simulator.server.port}`;
      if (config.proxmox.connection === 'agent') {
        // Seeded once the API listens: the local agent connects to it.
        seedThroughAgent = async (agentUrl) => {
          try {
            const started = await startDemoAgent(deps, {
              keyFile: demoAgentKeyFile(paths.keys),
              agentUrl,
              proxmox: { url, tokenId: simulator.tokenId, secret: simulator.tokenSecret, fingerprint },
              log: (message, fields) => logger.info(message, fields),
            });
            stops.push(() => started.stop());
            demo = { clusterId: started.clusterId, proxmoxUrl: url, fingerprint };
          } catch (error) {
            logger.warn('could not start the local agent of the demo cluster lab; the API runs without it', {
              error: (error as Error).message,
            });
          }
        };
      } else {
        const seeded = await seedOrWarn(deps, logger, {
          url,
          tokenId: simulator.tokenId,
          tokenSecret: simulator.tokenSecret,
          fingerprint,
        });
        if (seeded) demo = { clusterId: seeded.clusterId, proxmoxUrl: url, fingerprint };
      }
    } else if (config.proxmox.kind === 'external') {
      const { url, tokenId, tokenSecret, fingerprint } = config.proxmox;
      const seeded = await seedOrWarn(deps, logger, {
        url,
        tokenId,
        tokenSecret,
        ...(fingerprint ? { fingerprint } : {}),
      });
      if (seeded)
        demo = { clusterId: seeded.clusterId, proxmoxUrl: url, ...(fingerprint ? { fingerprint } : {}) };
    }

    // The runner is made below (it runs the connector, which needs the agents); the routes answer
    // its waiting tasks once it exists.
    let runner: LocalWorkflowRunner | undefined;
    // The API's URL, once it listens: hook receivers call back there (the runner starts before).
    let url = '';
    const agentRoutes = {
      store,
      commandKey: agentCommandKey,
      connections: agentGateway,
      answers,
      ids,
      now,
      rate: new MessageRateLimiter(config.agentMessageLimits, now),
      callbacks: localTaskCallbacks(() => runner, iam),
      keyChecks: new RecentKeyChecks(now),
    };
    const agentPort = await agentGateway.listen(
      config.agentPort,
      config.host,
      {
        // Each route runs as its function in AWS, with that function's grants.
        authorize: (authorization) =>
          iam.runAsFunction('agent-authorizer', () => authorizeAgentKey(store, authorization)),
        connect: (identity, connectionId) =>
          iam.runAsFunction('agent-websocket', () => agentConnected(agentRoutes, identity, connectionId)),
        disconnect: (identity, connectionId) =>
          iam.runAsFunction('agent-websocket', () => agentDisconnected(agentRoutes, identity, connectionId)),
        message: (identity, connectionId, body) =>
          iam.runAsFunction('agent-websocket', () => agentMessage(agentRoutes, identity, connectionId, body)),
      },
      (message, fields) => logger.info(message, fields),
    );
    const agentUrl = `ws://${config.host.includes(':') ? `[${config.host}]` : config.host}:${agentPort}${LOCAL_AGENT_PATH}`;
    // The demo cluster's local agent connects and the first inventory is read before the API listens.
    await seedThroughAgent?.(agentUrl);
    // Read from the cache keyed by the definitions' sources; CDK synthesizes only after a change.
    const workflowDefinitions = await loadWorkflowDefinitions();
    runner = new LocalWorkflowRunner(
      workflowDefinitions.definitions,
      workflowDefinitions.policyRunArn,
      // The same instrumentation as the step functions in AWS; metrics stay quiet unless asked for.
      instrumentSteps(
        {
          'claim-run': (input) => claimRun(deps, input as never),
          'resolve-targets': (input) => resolveTargets(deps, input as never),
          'record-result': (input) =>
            recordGuestResult(
              { ...deps, log: (message, fields) => logger.warn(message, fields) },
              input as never,
            ),
          'finish-run': (input) => finishRun(deps, input as never),
          'load-lane': (input) => loadLane(deps, input as never, options.fastLaneStartWithinMs),
          'plan-prune': (input) => planPrune(deps, input as never),
          'record-prune': (input) => recordPrune(deps, input as never),
          'reconcile-guests': (input) => reconcileGuests(deps, input as never),
          'plan-operation': (input) => planOperation(deps, input as never),
          'finish-operation': (input) => finishOperation(deps, input as never),
          'restore-test-step': (input) => restoreTestStep(deps, input as never),
          'run-hook': (input) =>
            runHookStep(
              {
                ...deps,
                hookSecrets: webhookSecrets,
                hookCaller,
                callbackUrl: (token) => `${url}/v1/hook-callbacks/${token}`,
              },
              input as never,
            ),
          connector: (input) => runConnectorCommand(connectorDeps, input),
        } satisfies Record<WorkflowStepEntry | 'connector', LocalFunction>,
        (step) => createTelemetry(`pve-snapshots-${step}`, { quietMetrics: true }),
        { 'finish-run': measureFinishedRun, 'record-result': measureGuestResult },
      ),
      {
        ...(options.workflowWaitOverrides
          ? { waitOverrides: options.workflowWaitOverrides }
          : config.workflowTimeFactor !== 1
            ? { waitOverrides: scaledWaits(workflowDefinitions.definitions, config.workflowTimeFactor) }
            : {}),
        ...(options.onWorkflowEvent ? { onEvent: options.onWorkflowEvent } : {}),
        ...(options.onWorkflowHistory ? { onHistory: options.onWorkflowHistory } : {}),
        onExecutionError: (name, error) =>
          logger.error('workflow execution failed', { execution: name, error: error as Error }),
        onExecutionEnded: endedExecutionHandler(deps, workflowDefinitions, logger),
        stateMachineTypes: workflowDefinitions.types,
        ...(options.expressLimitMs !== undefined ? { expressLimitMs: options.expressLimitMs } : {}),
        iam,
        throttle,
        functionTimeouts: Object.fromEntries(
          Object.entries(iam.grants.functions).map(([name, settings]) => [name, settings.timeoutSeconds]),
        ),
      },
    );
    stops.push(async () => runner.stop());
    const workflows = guardWorkflowStarter(
      iam,
      {
        startPolicyRun: async (runId: string, input: PolicyRunInput) => {
          logger.info('policy run started', {
            runId,
            policyId: input.policyId,
            tenantId: input.tenantId,
            trigger: input.trigger,
          });
          void runner.start(runId, input);
        },
        startGuestOperation: async (
          operationId: string,
          input: { tenantId: string; operationId: string },
        ) => {
          logger.info('guest operation started', { operationId, tenantId: input.tenantId });
          void runner.start(operationId, input, workflowDefinitions.operationArn);
        },
        startPruneLane: async (name: string, lane: LaneRef) => {
          logger.info('retention prune lane started', { execution: name, tenantId: lane.tenantId });
          void runner.start(name, lane, workflowDefinitions.laneArn);
        },
        startRestoreTest: async (runId: string, input: RestoreTestRunInput) => {
          logger.info('restore test started', {
            runId,
            restoreTestId: input.restoreTestId,
            tenantId: input.tenantId,
          });
          void runner.start(runId, input, workflowDefinitions.restoreTestArn);
        },
      },
      workflowDefinitions,
    );
    // The planner's and the worker's code run here in one process; as the worker's role, which
    // may do everything a unit does (the planner's role only reads the table).
    const sweep = () =>
      iam.runAsFunction('sweep-worker', () =>
        runLocalSweep(deps, workflows.startPruneLane, (unit, error) =>
          logger.warn('daily sweep unit failed', { tenantId: unit.tenantId, error: error as Error }),
        ),
      );
    const rpoCheck = () =>
      iam.runAsFunction('rpo-check-worker', () =>
        runRpoCheckEverywhere(deps, (tenantId, error) =>
          logger.warn('RPO check failed', { tenantId, error: error as Error }),
        ),
      );
    if (options.scheduler !== false) {
      // Stands in for the RPO check's EventBridge schedule.
      let checking: Promise<unknown> = Promise.resolve();
      const rpoTimer = setInterval(() => {
        checking = rpoCheck()
          .then((summaries) => {
            const changed = summaries.filter((summary) => summary.opened + summary.closed > 0);
            if (changed.length > 0) logger.info('RPO check', { tenants: changed });
          })
          .catch((error: unknown) => logger.warn('RPO check failed', { error: (error as Error).message }));
      }, config.rpoCheckIntervalMs);
      rpoTimer.unref();
      stops.push(async () => {
        clearInterval(rpoTimer);
        await checking;
      });
    }
    if (options.scheduler !== false) {
      // Stands in for the daily EventBridge schedule of the sweep.
      let sweeping: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        sweeping = sweep()
          .then((summary) => logger.info('daily sweep', { ...summary }))
          .catch((error: unknown) => logger.warn('daily sweep failed', { error: (error as Error).message }));
      }, config.sweepIntervalMs);
      timer.unref();
      stops.push(async () => {
        clearInterval(timer);
        await sweeping;
      });
    }
    await recoverAfterCrash({
      unfinishedRuns: () => store.runs.unfinished(),
      unfinishedOperations: () => store.operations.unfinished(),
      startPolicyRun: (name, input) => void runner.start(name, input),
      startGuestOperation: (operationId, input) =>
        void runner.start(operationId, input, workflowDefinitions.operationArn),
      finishOperation: (input) => finishOperation(deps, input),
      logger,
    });
    // Restore tests interrupted by the crash end failed; the test guests they left are removed.
    void endInterruptedRestoreTests(deps)
      .then((removed) => {
        if (removed.length > 0) logger.info('restore-test leftovers removed', { vmids: removed });
      })
      .catch((error: unknown) =>
        logger.warn('restore-test leftovers not removed', { error: (error as Error).message }),
      );
    if (options.scheduler !== false) {
      const scheduler = new LocalScheduler({
        store,
        logger,
        now,
        start: (input) => void workflows.startPolicyRun(runIdFor(input.policyId, input.scheduledTime), input),
        startRestoreTest: (input) =>
          void workflows.startRestoreTest(
            restoreTestRunIdFor(input.restoreTestId, input.scheduledTime),
            input,
          ),
      });
      await scheduler.start();
      stops.push(() => scheduler.stop());
    }

    const handler = createApiHandler({
      ...deps,
      webhookAddresses,
      webhookSecrets,
      confirmationKey,
      workflows,
      schedules: policiesAreTheSchedule,
      restoreTestSchedules: restoreTestsAreTheSchedule,
      agentConnections: agentGateway,
      taskCallbacks: localTaskCallbacks(() => runner, iam),
      logger,
      claims: { tenant: 'tenant', role: 'role' },
      tenantPlans: config.tenantPlans,
      version: process.env.npm_package_version ?? '0.1.0',
    });
    const mint = (tenant: string, role: string, subject: string) =>
      mintToken(signingKey, { tenant, role, subject, ttlSeconds: config.tokenTtlSeconds });
    const server = createLocalHttpServer({
      handler: (event) => iam.runAsFunction('api', () => handler(event)),
      verifyToken: createTokenVerifier(signingKey),
      log: logger,
      site: createConsoleSite({
        dir: options.consoleDir ?? CONSOLE_DIST,
        config: { auth: { kind: 'local' } },
        signIn: createLocalSignIn(mint),
      }),
    });
    const port = await listen(server, config.port, config.host);
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    stops.push(
      startTtlSweeper({
        doc,
        tableName: config.tableName,
        now,
        intervalMs: config.ttlSweepMs,
        onSweep: (deleted) => deleted > 0 && logger.info('expired items removed', { deleted }),
        onError: (error) => logger.warn('TTL sweep failed', { error: error as Error }),
      }),
    );
    const authority = `${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    url = `http://${authority}`;
    // One read of a tenant's subscriptions per look at the outbox, as per SQS batch in AWS.
    const batchReads = new WeakMap<object, ReturnType<typeof subscriptionsPerBatch>>();
    const subscriptionsIn = (batch: object) => {
      let read = batchReads.get(batch);
      if (!read) {
        read = subscriptionsPerBatch(store);
        batchReads.set(batch, read);
      }
      return read;
    };
    const notifications = startNotificationDispatcher({
      outbox: store.deliveries,
      deliver: (event, batch) =>
        iam.runAsFunction('notifier', () =>
          deliverEvent(
            {
              store,
              subscriptionsOf: subscriptionsIn(batch),
              secrets: webhookSecrets,
              mailer,
              webhooks,
              confirmationKey,
              now,
              apiUrl: url,
              retry: { baseMs: config.notifyRetryBaseMs, maxMs: config.notifyRetryBaseMs * 30 },
              sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
              random: Math.random,
              log: (message, fields) => logger.info(message, fields),
            },
            event,
          ),
        ),
      onError: (event, error) =>
        logger.warn('event not delivered yet; tried again shortly', {
          eventId: event.id,
          type: event.type,
          error: (error as Error).message,
        }),
    });
    wakeDispatcher = () => notifications.wake();
    stops.push(() => notifications.stop());
    return {
      url,
      agentUrl,
      store,
      dynamoEndpoint,
      dataDir: config.dataDir,
      workflows: runner,
      iam,
      throttle,
      transactionConflicts,
      notifications,
      sweep,
      rpoCheck,
      ...(demo ? { demo } : {}),
      token: (tenant, role, subject = `${tenant}-${role}`) => mint(tenant, role, subject),
      operatorToken: (subject = 'operator') =>
        mintOperatorToken(signingKey, { subject, ttlSeconds: config.tokenTtlSeconds }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
