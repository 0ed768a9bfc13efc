import type { StackProps } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env-names.ts';
import { AgentGateway } from './constructs/agent-gateway.ts';
import { ConsoleSite } from './constructs/console-site.ts';
import { DailySweep } from './constructs/daily-sweep.ts';
import { EndedExecutions } from './constructs/ended-executions.ts';
import { answersTasksOf, invokes, startsExecutions } from './constructs/function-uses.ts';
import { GuestOperationWorkflow } from './constructs/guest-operation-workflow.ts';
import { NotificationPipeline } from './constructs/notification-pipeline.ts';
import { OperationalAlarms } from './constructs/operational-alarms.ts';
import { PolicyRunWorkflow } from './constructs/policy-run-workflow.ts';
import { PolicySchedules } from './constructs/policy-schedules.ts';
import { ProxmoxConnector } from './constructs/proxmox-connector.ts';
import { RestoreTestWorkflow } from './constructs/restore-test-workflow.ts';
import { RpoMonitor } from './constructs/rpo-monitor.ts';
import { ServiceApi } from './constructs/service-api.ts';
import { stateMachineLogGroup } from './constructs/state-machine-logs.ts';
import { WiredStack } from './constructs/wiring.ts';
import { WorkflowSteps } from './constructs/workflow-steps.ts';

export interface StatelessStackProps extends StackProps {
  readonly table: TableV2;
  readonly cursorKey: ISecret;
  /** The key confirmation codes are MAC-ed with: the notifier makes them, the API checks them. */
  readonly confirmationKey: ISecret;
  /** The key agent command ids are signed with: the connector signs them, the WebSocket function checks answers. */
  readonly agentCommandKey: ISecret;
  readonly clusterSecretPrefix: string;
  readonly webhookSecretPrefix: string;
  readonly scheduleGroup: IScheduleGroup;
  readonly scheduleDeadLetters: IQueue;
  /** Issuer of accepted JWTs. */
  readonly jwtIssuer: string;
  /** Accepted JWT audiences. */
  readonly jwtAudience: string[];
  /** Claim names carrying the tenant id and role. Default: `tenant`, `role`. */
  readonly claims?: { readonly tenant: string; readonly role: string };
  /** The operator's plans (JSON, see the README): what a new tenant gets on first use. Default: nothing. */
  readonly tenantPlans?: string;
  /** The plan new tenants start on (checked at synth against the plans). Default: `standard`. */
  readonly defaultPlan?: string;
  /** Where operational alarms are mailed; none when absent. */
  readonly alarmEmail?: string;
  /** Domain events: the notification topic and the event bus. */
  readonly topic: ITopic;
  readonly bus: IEventBus;
  /** A secret `{"url": "smtps://..."}` with SES SMTP credentials; without it email deliveries fail, saying so. */
  readonly smtpSecretArn?: string;
  /** The sender of notification mail (an SES-verified identity). */
  readonly mailFrom?: string;
  /** The console's OIDC app client (public, with PKCE). Default: the first JWT audience. */
  readonly consoleClientId?: string;
}

/**
 * Code and routing, composed from constructs named by what they wire. They are `Wiring`s, so
 * their ids stay out of logical ids: regrouping never replaces a deployed resource.
 */
export class StatelessStack extends WiredStack {
  public readonly api: ServiceApi;
  /** The only function that talks to Proxmox; the workflows invoke it with one command per call. */
  public readonly connector: ProxmoxConnector;
  public readonly steps: WorkflowSteps;
  /** The policy-run state machine (started by schedules and by "run now"). */
  public readonly policyRun: PolicyRunWorkflow;
  /** Manual snapshots, deletes and restores. */
  public readonly guestOperations: GuestOperationWorkflow;
  /** Restore tests: restore, boot, prove and destroy a copy of a recovery point. */
  public readonly restoreTests: RestoreTestWorkflow;
  /** Finishes runs and operations whose execution failed, timed out or was stopped. */
  public readonly endedExecutions: EndedExecutions;
  public readonly agentGateway: AgentGateway;
  public readonly dailySweep: DailySweep;
  public readonly rpoMonitor: RpoMonitor;
  public readonly policySchedules: PolicySchedules;
  public readonly notifications: NotificationPipeline;
  public readonly alarms: OperationalAlarms;
  /** The web console: S3 + CloudFront, with the API behind /v1/*. */
  public readonly console: ConsoleSite;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const events = { topic: props.topic, bus: props.bus };
    const { table, clusterSecretPrefix, webhookSecretPrefix } = props;
    this.api = new ServiceApi(this, 'Api', {
      table,
      cursorKey: props.cursorKey,
      confirmationKey: props.confirmationKey,
      clusterSecretPrefix,
      webhookSecretPrefix,
      events,
      jwtIssuer: props.jwtIssuer,
      jwtAudience: props.jwtAudience,
      ...(props.claims ? { claims: props.claims } : {}),
      ...(props.tenantPlans ? { tenantPlans: props.tenantPlans } : {}),
      ...(props.defaultPlan ? { defaultPlan: props.defaultPlan } : {}),
    });
    const api = this.api.function;

    this.connector = new ProxmoxConnector(this, 'Connector', {
      table,
      clusterSecretPrefix,
      ...(props.tenantPlans ? { tenantPlans: props.tenantPlans } : {}),
      ...(props.defaultPlan ? { defaultPlan: props.defaultPlan } : {}),
    });
    // The API reaches Proxmox only through the connector.
    this.api.service.use(invokes(this.connector.function));

    this.agentGateway = new AgentGateway(this, 'AgentGateway', {
      table,
      events,
      connector: this.connector.service,
      api: this.api.service,
      commandKey: props.agentCommandKey,
    });
    const stepDependencies = { table, connector: this.connector, events, webhookSecretPrefix };
    this.steps = new WorkflowSteps(this, 'WorkflowSteps', {
      ...stepDependencies,
      publicApiUrl: this.api.httpApi.api.apiEndpoint,
    });
    this.policyRun = new PolicyRunWorkflow(this, 'PolicyRun', {
      ...this.steps.functions,
      connector: this.connector.function,
      logGroup: stateMachineLogGroup(this, 'PolicyRunLogs', 'policy-run'),
    });
    // Agents follow the lanes' and the guest operations' Proxmox tasks and report their ends to the
    // waiting task; a hook receiver's callback (a public route of the API) ends the task that waits for it.
    this.agentGateway.answersTasksOf(this.policyRun.laneStateMachine);
    this.api.service.use(answersTasksOf(this.policyRun.laneStateMachine));
    this.guestOperations = new GuestOperationWorkflow(this, 'GuestOperation', {
      ...this.steps.functions,
      connector: this.connector.function,
      logGroup: stateMachineLogGroup(this, 'GuestOperationLogs', 'guest-operation'),
    });
    this.agentGateway.answersTasksOf(this.guestOperations.stateMachine);
    this.restoreTests = new RestoreTestWorkflow(this, 'RestoreTest', {
      ...this.steps.functions,
      logGroup: stateMachineLogGroup(this, 'RestoreTestLogs', 'restore-test'),
    });
    this.endedExecutions = new EndedExecutions(this, 'EndedExecutions', {
      ...stepDependencies,
      policyRun: this.policyRun.stateMachine,
      guestOperation: this.guestOperations.stateMachine,
      restoreTest: this.restoreTests.stateMachine,
    });
    this.dailySweep = new DailySweep(this, 'DailySweep', {
      ...stepDependencies,
      pruneLanes: this.policyRun.laneStateMachine,
      deadLetters: props.scheduleDeadLetters,
    });
    this.rpoMonitor = new RpoMonitor(this, 'RpoMonitor', {
      ...stepDependencies,
      deadLetters: props.scheduleDeadLetters,
    });
    // "Run now" and manual guest operations start executions from the API.
    this.api.service.use(
      startsExecutions(ENV.operationStateMachineArn, this.guestOperations.stateMachine),
      startsExecutions(ENV.policyRunStateMachineArn, this.policyRun.stateMachine),
      startsExecutions(ENV.restoreTestStateMachineArn, this.restoreTests.stateMachine),
    );
    this.policySchedules = new PolicySchedules(this, 'PolicySchedules', {
      writer: api,
      policyRun: this.policyRun.stateMachine,
      restoreTest: this.restoreTests.stateMachine,
      scheduleGroup: props.scheduleGroup,
      deadLetters: props.scheduleDeadLetters,
    });

    this.notifications = new NotificationPipeline(this, 'Notifications', {
      topic: props.topic,
      table,
      confirmationKey: props.confirmationKey,
      webhookSecretPrefix,
      publicApiUrl: this.api.httpApi.api.apiEndpoint,
      ...(props.smtpSecretArn ? { smtpSecretArn: props.smtpSecretArn } : {}),
      ...(props.mailFrom ? { mailFrom: props.mailFrom } : {}),
    });
    this.console = new ConsoleSite(this, 'Console', {
      httpApi: this.api.httpApi.api,
      signIn: {
        issuer: props.jwtIssuer,
        clientId: props.consoleClientId ?? props.jwtAudience[0] ?? '',
        ...(props.claims ? { claims: props.claims } : {}),
      },
    });
    const steps = this.steps.functions;
    this.alarms = new OperationalAlarms(this, 'OperationalAlarms', {
      httpApi: this.api.httpApi.api,
      apiFunction: api,
      ...(props.alarmEmail ? { alarmEmail: props.alarmEmail } : {}),
      functions: {
        Connector: this.connector.function,
        Notifier: this.notifications.function,
        ClaimRun: steps.claimRun,
        ResolveTargets: steps.resolveTargets,
        RecordResult: steps.recordResult,
        FinishRun: steps.finishRun,
        LoadLane: steps.loadLane,
        PlanPrune: steps.planPrune,
        RecordPrune: steps.recordPrune,
        ReconcileGuests: steps.reconcileGuests,
        PlanOperation: steps.planOperation,
        FinishOperation: steps.finishOperation,
        RestoreTestStep: steps.restoreTestStep,
        RunHook: steps.runHook,
        DailySweep: this.dailySweep.function,
        SweepWorker: this.dailySweep.worker,
        RpoCheck: this.rpoMonitor.function,
        RpoCheckWorker: this.rpoMonitor.worker,
        ExecutionEnded: this.endedExecutions.function,
        AgentAuthorizer: this.agentGateway.authorizerFunction,
        AgentWebSocket: this.agentGateway.routesFunction,
      },
      failingFunctions: {
        Notifier: this.notifications.function,
        DailySweep: this.dailySweep.function,
        SweepWorker: this.dailySweep.worker,
        // A failing check is a dead-man's switch that no longer watches.
        RpoCheck: this.rpoMonitor.function,
        RpoCheckWorker: this.rpoMonitor.worker,
        // A failure here leaves a run or operation `running` for good.
        ExecutionEnded: this.endedExecutions.function,
        // Failing routes drop agents' answers: their commands then end offline.
        AgentWebSocket: this.agentGateway.routesFunction,
      },
      connector: this.connector.function,
      stateMachines: {
        PolicyRun: this.policyRun.stateMachine,
        Lane: this.policyRun.laneStateMachine,
        GuestOperation: this.guestOperations.stateMachine,
        RestoreTest: this.restoreTests.stateMachine,
      },
      deadLetterQueues: {
        ScheduleDeadLetters: props.scheduleDeadLetters,
        NotifierDeadLetters: this.notifications.deadLetters,
        SweepDeadLetters: this.dailySweep.workerDeadLetters,
        RpoCheckDeadLetters: this.rpoMonitor.workerDeadLetters,
      },
      table,
    });
  }
}
