import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** The CloudWatch namespace of the service's own metrics. */
export const METRICS_NAMESPACE = 'PveSnapshots';

/** Logger, metrics and tracer of one entry point, built once per cold start. */
export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/**
 * Powertools for one entry point. Outside Lambda the tracer is off by itself and the logger prints
 * the same JSON lines; `quietMetrics` turns the EMF lines off unless `POWERTOOLS_METRICS_DISABLED`
 * says otherwise (the local runtime, whose console is for people), with the same calls either way.
 */
export function createTelemetry(serviceName: string, options: { quietMetrics?: boolean } = {}): Telemetry {
  const quiet = options.quietMetrics === true && process.env.POWERTOOLS_METRICS_DISABLED === undefined;
  // Powertools reads the setting when an instance is built (single metrics too): set it around that only.
  const built = <T>(build: () => T): T => {
    if (!quiet) return build();
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    try {
      return build();
    } finally {
      delete process.env.POWERTOOLS_METRICS_DISABLED;
    }
  };
  const metrics = built(() => new Metrics({ namespace: METRICS_NAMESPACE, serviceName }));
  if (quiet) {
    const single = metrics.singleMetric.bind(metrics);
    metrics.singleMetric = () => built(single);
  }
  return { logger: new Logger({ serviceName }), metrics, tracer: new Tracer({ serviceName }) };
}
