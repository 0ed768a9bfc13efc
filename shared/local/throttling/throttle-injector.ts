import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What can be throttled on demand: Lambda invocations and child starts by the state machines, DynamoDB calls. */
const THROTTLE_TARGETS = ['lambda', 'startExecution', 'dynamodb'] as const;
export type ThrottleTarget = (typeof THROTTLE_TARGETS)[number];
export type ThrottleRates = Partial<Record<ThrottleTarget, number>>;

/**
 * The errors AWS gives when it throttles, as Step Functions names them for a Task (the
 * integration's service prefix and the API's error code) and as the DynamoDB client throws them.
 */
export const THROTTLING_ERRORS = {
  lambda: ['Lambda.TooManyRequestsException'],
  startExecution: ['StepFunctions.ExecutionLimitExceeded', 'StepFunctions.ThrottlingException'],
  dynamodb: ['ProvisionedThroughputExceededException', 'ThrottlingException'],
} as const satisfies Record<ThrottleTarget, readonly string[]>;

/**
 * Parses `lambda:0.3,startExecution:0.2,dynamodb:0.1`: per target, the share of calls (0 to 1)
 * that fail as throttled. Throws a message naming what is wrong.
 */
export function parseThrottleRates(value: string): ThrottleRates {
  const rates: ThrottleRates = {};
  for (const part of value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const [target, rate, extra] = part.split(':');
    if (!THROTTLE_TARGETS.includes(target as ThrottleTarget) || extra !== undefined)
      throw new Error(
        `'${part}': expected <target>:<rate> with target one of ${THROTTLE_TARGETS.join(', ')}`,
      );
    const share = Number(rate);
    if (rate === undefined || rate.trim() === '' || !Number.isFinite(share) || share < 0 || share > 1)
      throw new Error(`'${part}': the rate must be a number from 0 to 1`);
    rates[target as ThrottleTarget] = share;
  }
  return rates;
}

/** mulberry32: a small seeded generator, so a seed gives the same throttled calls every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function throttlingError(name: string, message: string, status: number): Error {
  const error = new Error(message);
  error.name = name;
  return Object.assign(error, { $fault: 'client', $metadata: { httpStatusCode: status } });
}

/**
 * Decides, call by call, whether to throttle, and builds the error AWS would give. Without
 * rates it never throttles.
 */
export class ThrottleInjector {
  readonly #rates: ThrottleRates;
  /** One stream per target, so each target's decisions depend only on its own calls' order. */
  readonly #random: Record<ThrottleTarget, () => number>;
  readonly #injected: Record<ThrottleTarget, number> = { lambda: 0, startExecution: 0, dynamodb: 0 };

  constructor(rates: ThrottleRates = {}, seed = 1) {
    this.#rates = rates;
    this.#random = {
      lambda: seededRandom(seed),
      startExecution: seededRandom(seed ^ 0x5bd1e995),
      dynamodb: seededRandom(seed ^ 0x1b873593),
    };
  }

  /** How many calls of each target were throttled so far. */
  get injected(): Readonly<Record<ThrottleTarget, number>> {
    return { ...this.#injected };
  }

  /** The error to fail this call with, or undefined to let it through. */
  next(target: ThrottleTarget): Error | undefined {
    const rate = this.#rates[target] ?? 0;
    const random = this.#random[target];
    if (rate <= 0 || random() >= rate) return undefined;
    this.#injected[target]++;
    const [first, second] = THROTTLING_ERRORS[target];
    const pick = second !== undefined && random() < 0.5 ? second : first;
    switch (target) {
      case 'lambda':
        return throttlingError(
          pick,
          'Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException)',
          429,
        );
      case 'startExecution':
        return pick === first
          ? throttlingError(
              pick,
              'The maximum number of running executions has been reached. Running executions must end or be stopped before a new execution can be started. (Service: AWSStepFunctions; Status Code: 400; Error Code: ExecutionLimitExceeded)',
              400,
            )
          : throttlingError(
              pick,
              'Rate exceeded (Service: AWSStepFunctions; Status Code: 400; Error Code: ThrottlingException)',
              400,
            );
      case 'dynamodb':
        return throttlingError(
          pick,
          pick === first
            ? 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.'
            : 'Rate of requests exceeds the allowed throughput.',
          400,
        );
    }
  }

  /**
   * Throttles DynamoDB calls of a client inside its retry loop (after the retry middleware), so
   * the SDK's own retry strategy sees the throttling error and retries it with its back-off, as
   * it does in AWS.
   */
  attachTo(doc: DynamoDBDocumentClient): void {
    if (!this.#rates.dynamodb) return;
    doc.middlewareStack.add(
      (next) => async (args) => {
        const error = this.next('dynamodb');
        if (error) throw error;
        return await next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'localThrottle', override: true },
    );
  }
}
