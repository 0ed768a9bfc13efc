/**
 * AWS list prices, us-east-1, on-demand, without free tiers, as published on the services'
 * pricing pages on 2026-11-30 (PRICES_DATE). Change them here only, with the date.
 */
export const PRICES_DATE = '2026-11-30';

/** Step Functions Standard: per state transition ($0.025 per 1,000). */
export const SFN_STANDARD_PER_TRANSITION = 0.025 / 1_000;
/** Step Functions Express: per request ($1.00 per million) and per GB-second ($0.00001667, first tier). */
export const SFN_EXPRESS_PER_REQUEST = 1 / 1_000_000;
export const SFN_EXPRESS_PER_GB_SECOND = 0.00001667;
/** Express bills memory in 64 MB steps; a fast lane's state (a few KB) takes the first. */
export const SFN_EXPRESS_BILLED_GB = 64 / 1024;
/** Lambda on arm64: per request ($0.20 per million) and per GB-second ($0.0000133334, first tier). */
export const LAMBDA_PER_REQUEST = 0.2 / 1_000_000;
export const LAMBDA_ARM_PER_GB_SECOND = 0.0000133334;
/** DynamoDB on-demand: per write request unit ($0.625 per million), read unit ($0.125 per million), GB-month ($0.25). */
export const DYNAMODB_PER_WRU = 0.625 / 1_000_000;
export const DYNAMODB_PER_RRU = 0.125 / 1_000_000;
export const DYNAMODB_PER_GB_MONTH = 0.25;
/** EventBridge Scheduler: per invocation ($1.00 per million). */
export const SCHEDULER_PER_INVOCATION = 1 / 1_000_000;
/** SNS: per publish ($0.50 per million); SQS standard: per request ($0.40 per million). */
export const SNS_PER_PUBLISH = 0.5 / 1_000_000;
export const SQS_PER_REQUEST = 0.4 / 1_000_000;
/** EventBridge: per custom event put ($1.00 per million). */
export const EVENTBRIDGE_PER_EVENT = 1 / 1_000_000;

/** Default quotas (us-east-1) the fleet meets first. */
export const QUOTAS = {
  /** Step Functions Standard: StartExecution refill rate per second (bucket 1,300). */
  startExecutionPerSecond: 300,
  /** Step Functions Standard: state transitions refill rate per second (bucket 5,000; 800 in smaller regions). */
  stateTransitionsPerSecond: 1_500,
  /** Lambda: concurrent executions per region. */
  lambdaConcurrency: 1_000,
  /** DynamoDB: write units per second on one partition. */
  dynamodbPartitionWcu: 1_000,
  /** DynamoDB: read units per second on one partition. */
  dynamodbPartitionRcu: 3_000,
} as const;
