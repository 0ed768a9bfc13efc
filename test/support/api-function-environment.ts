/**
 * The environment the stack gives the deployed API function, with placeholder ARNs and AWS
 * calls pointed at local stand-ins: enough to start the bundled function outside AWS.
 */
export function apiFunctionEnvironment(options: {
  readonly tableName: string;
  /** The fake Secrets Manager's URL; it must hold the secret `cursor-key-arn`. */
  readonly secretsManagerUrl: string;
  readonly dynamodbEndpoint?: string;
}): Record<string, string> {
  return {
    TABLE_NAME: options.tableName,
    CURSOR_KEY_SECRET_ARN: 'cursor-key-arn',
    CONFIRMATION_KEY_SECRET_ARN: 'confirmation-key-arn',
    CONNECTOR_FUNCTION_NAME: 'connector',
    POLICY_RUN_STATE_MACHINE_ARN: 'arn:aws:states:eu-central-1:123456789012:stateMachine:policy-run',
    SCHEDULE_GROUP_NAME: 'pve-snapshots',
    OPERATION_STATE_MACHINE_ARN: 'arn:aws:states:eu-central-1:123456789012:stateMachine:operation',
    RESTORE_TEST_STATE_MACHINE_ARN: 'arn:aws:states:eu-central-1:123456789012:stateMachine:restore-test',
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/scheduler',
    SCHEDULE_DEAD_LETTER_ARN: 'arn:aws:sqs:eu-central-1:123456789012:dlq',
    EVENT_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:events',
    EVENT_BUS_NAME: 'pve-snapshots',
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: options.secretsManagerUrl,
    ...(options.dynamodbEndpoint ? { AWS_ENDPOINT_URL_DYNAMODB: options.dynamodbEndpoint } : {}),
  };
}
