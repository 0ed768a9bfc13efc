import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SweepQueue, SweepUnit } from '#shared/ports/sweep-queue.ts';

/** Invocations sent at once. */
const SEND_CONCURRENCY = 10;

/**
 * The sweep's queue in AWS (and the RPO check's): each unit is one asynchronous invocation of the worker. Lambda
 * keeps such events in its own queue, retries a failed one twice, holds it back while the worker's
 * reserved concurrency is used up, and puts what still fails in the worker's dead-letter queue.
 */
export class AsyncInvokeSweepQueue<U = SweepUnit> implements SweepQueue<U> {
  readonly #client: LambdaClient;
  readonly #workerName: string;

  constructor(client: LambdaClient, workerName: string) {
    this.#client = client;
    this.#workerName = workerName;
  }

  async enqueue(units: readonly U[]): Promise<void> {
    const pending = [...units];
    await Promise.all(
      Array.from({ length: Math.min(SEND_CONCURRENCY, pending.length) }, async () => {
        for (let unit = pending.shift(); unit; unit = pending.shift()) {
          await this.#client.send(
            new InvokeCommand({
              FunctionName: this.#workerName,
              InvocationType: 'Event',
              Payload: new TextEncoder().encode(JSON.stringify(unit)),
            }),
          );
        }
      }),
    );
  }
}
