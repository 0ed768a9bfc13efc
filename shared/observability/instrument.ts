import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { AppError } from '#shared/domain/errors.ts';
import type { Telemetry } from './telemetry.ts';

/** The ids a log line and a trace carry when the input names them. */
const KEY_NAMES = ['tenantId', 'policyId', 'runId', 'executionId', 'operationId'] as const;
type LogKeys = Partial<Record<(typeof KEY_NAMES)[number], string>>;

/** What a step measures from its input and result (see step-metrics.ts). */
export type Measure<I, O> = (metrics: Metrics, input: I, output: O) => void;

/** Ids found on the input itself or one level down (`item`, `context`, `lane`, `run`). */
function logKeysOf(input: unknown): LogKeys {
  const keys: LogKeys = {};
  const places = [
    input,
    ...['item', 'context', 'lane', 'run'].map((field) => (input as Record<string, unknown>)?.[field]),
  ];
  for (const place of places) {
    if (!place || typeof place !== 'object') continue;
    for (const name of KEY_NAMES) {
      const value = (place as Record<string, unknown>)[name];
      if (keys[name] === undefined && typeof value === 'string' && value) keys[name] = value;
    }
  }
  return keys;
}

/**
 * Wraps an entry point's use case the same way everywhere: a child logger carrying the step and
 * the ids the input names (so concurrent invocations in the local runtime never mix keys), a traced
 * subsegment annotated with them, the step's metrics (single-metric EMF lines: nothing shared between
 * invocations) and one error line when it fails.
 */
export function instrument<I, O>(
  telemetry: Telemetry,
  step: string,
  work: (input: I, log: Logger, context?: Context) => Promise<O>,
  measure?: Measure<I, O>,
): (input: I, context?: Context) => Promise<O> {
  const { tracer } = telemetry;
  return async (input, context) => {
    const keys = logKeysOf(input);
    const log = telemetry.logger.createChild({
      persistentKeys: {
        step,
        ...keys,
        ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      },
    });
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${step}`);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    for (const [name, value] of Object.entries(keys)) tracer.putAnnotation(name, value);
    const started = performance.now();
    try {
      const output = await work(input, log, context);
      measure?.(telemetry.metrics, input, output);
      log.debug('step done', { durationMs: Math.round(performance.now() - started) });
      return output;
    } catch (error) {
      // A domain error (a lock, a missing guest) is an answer the workflow handles, not a fault.
      const level = error instanceof AppError ? 'debug' : 'error';
      log[level]('step failed', {
        error: error as Error,
        durationMs: Math.round(performance.now() - started),
      });
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      subsegment?.close();
      if (segment) tracer.setSegment(segment);
    }
  };
}

/** Wraps every step of a step table with {@link instrument}, each with its own telemetry and measure. */
export function instrumentSteps<S extends Record<string, (input: unknown) => Promise<unknown>>>(
  steps: S,
  telemetryFor: (step: string) => Telemetry,
  measures: Partial<Record<keyof S, Measure<never, never>>> = {},
): S {
  return Object.fromEntries(
    Object.entries(steps).map(([step, work]) => [
      step,
      instrument(
        telemetryFor(step),
        step,
        (input: unknown) => work(input),
        measures[step] as Measure<unknown, unknown>,
      ),
    ]),
  ) as S;
}
