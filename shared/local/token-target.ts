import { LocalRuntimeError } from './errors.ts';
import type { ServiceRecord } from './service-registry.ts';

/** Whose key signs a token: a data folder, and the running service that uses it if there is one. */
export interface TokenTarget {
  readonly dataDir: string;
  readonly service?: ServiceRecord;
  /** Why this folder, for messages: `--port`, `DATA_DIR`, the one running service, or the default. */
  readonly source: 'port' | 'DATA_DIR' | 'running service' | 'default';
}

export interface TokenTargetRequest {
  /** `--port`: the running service to sign for. */
  readonly port?: number;
  /** `DATA_DIR`, when it is set (absolute). */
  readonly dataDir?: string;
  /** `npm start`'s data folder when `DATA_DIR` is not set (absolute). */
  readonly defaultDataDir: string;
  readonly services: readonly ServiceRecord[];
}

const describe = (service: ServiceRecord) =>
  `  ${service.url}  (port ${service.port}, DATA_DIR=${service.dataDir}, pid ${service.pid})`;

const listing = (services: readonly ServiceRecord[]) => services.map(describe).join('\n');

/**
 * Chooses the data folder whose key signs the token, so the token is one the service accepts:
 * `--port` names a running service; else `DATA_DIR` names the folder; else the one service that
 * runs; else (none runs) the default folder. Several services and no choice is refused rather
 * than guessed, and so is a `--port` that contradicts `DATA_DIR`.
 */
export function chooseTokenTarget(request: TokenTargetRequest): TokenTarget {
  const { services } = request;
  if (request.port !== undefined) {
    const service = services.find((candidate) => candidate.port === request.port);
    if (!service) {
      throw new LocalRuntimeError(
        services.length > 0
          ? `no service runs on port ${request.port}; running now:\n${listing(services)}`
          : `no service runs on port ${request.port} (none was found running); start it with npm start first`,
      );
    }
    if (request.dataDir !== undefined && request.dataDir !== service.dataDir) {
      throw new LocalRuntimeError(
        `DATA_DIR=${request.dataDir}, but the service on port ${request.port} uses DATA_DIR=${service.dataDir}; give only one of the two`,
      );
    }
    return { dataDir: service.dataDir, service, source: 'port' };
  }
  if (request.dataDir !== undefined) {
    const service = services.find((candidate) => candidate.dataDir === request.dataDir);
    return { dataDir: request.dataDir, ...(service ? { service } : {}), source: 'DATA_DIR' };
  }
  const [only, ...others] = services;
  if (only && others.length === 0) return { dataDir: only.dataDir, service: only, source: 'running service' };
  if (only) {
    throw new LocalRuntimeError(
      `${services.length} services are running, each with its own signing key:\n${listing(services)}\n` +
        'choose one with --port <port> (or set DATA_DIR to its data folder)',
    );
  }
  return { dataDir: request.defaultDataDir, source: 'default' };
}

/**
 * Why there is no key to sign with, and what to do: the key is made by the service on its
 * first start, never by the token command (a key nobody verifies with would give tokens the
 * service answers with 401).
 */
export function missingKeyMessage(
  target: TokenTarget,
  keyFile: string,
  services: readonly ServiceRecord[],
): string {
  const running =
    services.length > 0
      ? `\nrunning now:\n${listing(services)}\n(unset DATA_DIR to sign for the running service, or use --port)`
      : '';
  if (target.source === 'DATA_DIR') {
    return (
      `no signing key in DATA_DIR=${target.dataDir} (${keyFile} does not exist): no service has started with this data folder. ` +
      `Set DATA_DIR to the folder the service runs with (npm start prints it: "data in …"), or start the service with this DATA_DIR first.${running}`
    );
  }
  if (target.source === 'default') {
    return (
      `no running service found, and no signing key in the default data folder ${target.dataDir} (DATA_DIR is not set). ` +
      'Start the service first (npm start); if it runs with its own DATA_DIR, set DATA_DIR to that folder.'
    );
  }
  return `the service at ${target.service?.url} has no signing key in DATA_DIR=${target.dataDir} (${keyFile} does not exist); restart it`;
}
