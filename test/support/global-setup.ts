import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '#shared/local/dynamodb-local.ts';
import { loadGrants } from '#shared/local/iam/grants-cache.ts';
import { loadWorkflowDefinitions } from '#shared/local/workflows/definition-cache.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}

/**
 * One in-memory DynamoDB Local per test run; each test file makes its own table in it. The
 * workflow definitions are synthesized (or found in the cache) once here, so no test file and
 * no `npm start` a test spawns builds the CDK app itself. First, not meanwhile: synthesis holds
 * the event loop for seconds, and DynamoDB Local's start-up check must not miss its deadline.
 */
export default async function setup(project: TestProject) {
  await loadWorkflowDefinitions();
  await loadGrants();
  const dynamo = await startDynamoDbLocal();
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}
