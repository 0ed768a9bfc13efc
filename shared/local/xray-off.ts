/**
 * Imported first by the local runtime. Nothing is traced locally (Powertools' Tracer is off
 * outside Lambda), but the X-Ray SDK it loads starts its automatic mode on import: an async hook
 * that tracks the end of every promise, about a sixth of the local runtime's event loop in a
 * 1,000-guest run (the workflow bench: 0.66 instead of 0.77 cores, 1.55x instead of 1.60–1.93x).
 * Manual mode keeps the same API without the hook. In AWS the Lambda functions never load this.
 */
process.env.AWS_XRAY_MANUAL_MODE ??= '1';
