import { AppError } from '../errors.ts';

/**
 * The agent of an agent-connected cluster did not take or answer a command within the bounded
 * wait: it is not connected, or went silent. Step Functions matches it by name like any error.
 */
export class AgentOfflineError extends AppError {
  readonly type = 'agent-offline';
  readonly title = 'The cluster’s agent is offline';
  readonly clusterId: string;
  /** Since when the agent has been offline (ISO 8601), when known. */
  readonly offlineSince?: string;

  constructor(clusterName: string, clusterId: string, offlineSince?: string) {
    super(
      offlineSince
        ? `agent for cluster ${clusterName} offline since ${offlineSince}`
        : `agent for cluster ${clusterName} offline (it never connected)`,
    );
    this.clusterId = clusterId;
    if (offlineSince !== undefined) this.offlineSince = offlineSince;
  }
}

/** The connected agent does not announce a command the service needs: it must be updated. */
export class AgentOutdatedError extends AppError {
  readonly type = 'agent-outdated';
  readonly title = 'The cluster’s agent is too old for this command';
  readonly command: string;

  constructor(clusterName: string, agentVersion: string, command: string) {
    super(
      `the agent for cluster ${clusterName} (version ${agentVersion}) does not support the command '${command}'; update the agent`,
    );
    this.command = command;
  }
}
