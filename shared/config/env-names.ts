/** Environment variable names, shared by `infra/` (which sets them) and the code (which reads them). */
export const ENV = {
  tableName: 'TABLE_NAME',
  tenantClaim: 'TENANT_CLAIM',
  roleClaim: 'ROLE_CLAIM',
  secretPrefix: 'SECRET_PREFIX',
  cursorKeySecretArn: 'CURSOR_KEY_SECRET_ARN',
  connectorFunctionName: 'CONNECTOR_FUNCTION_NAME',
  policyRunStateMachineArn: 'POLICY_RUN_STATE_MACHINE_ARN',
  operationStateMachineArn: 'OPERATION_STATE_MACHINE_ARN',
  pruneLaneStateMachineArn: 'PRUNE_LANE_STATE_MACHINE_ARN',
  scheduleGroupName: 'SCHEDULE_GROUP_NAME',
  schedulerRoleArn: 'SCHEDULER_ROLE_ARN',
  scheduleDeadLetterArn: 'SCHEDULE_DEAD_LETTER_ARN',
  auditRetentionDays: 'AUDIT_RETENTION_DAYS',
  idempotencyTtlHours: 'IDEMPOTENCY_TTL_HOURS',
  serviceVersion: 'SERVICE_VERSION',
  logLevel: 'POWERTOOLS_LOG_LEVEL',
} as const;
