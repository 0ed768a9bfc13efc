import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '#infra/app.ts';

/**
 * The service's whole app with bundling off (`aws:cdk:bundling-stacks`), for assertions about
 * wiring that do not need the functions' code; `extraContext` adds or overrides context values.
 */
export function unbundledApp(extraContext: Record<string, unknown> = {}) {
  const context = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;
  const built = buildApp(
    new App({ context: { ...context, 'aws:cdk:bundling-stacks': [], ...extraContext } }),
  );
  return {
    stateful: Template.fromStack(built.stateful),
    stateless: Template.fromStack(built.stateless),
  };
}
