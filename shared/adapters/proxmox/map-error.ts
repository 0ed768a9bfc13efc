import { classifyProxmoxText } from '#shared/domain/proxmox/task-outcome.ts';
import {
  ProxmoxAuthError,
  type ProxmoxError,
  ProxmoxInvalidParameterError,
  ProxmoxPermissionError,
  ProxmoxServerError,
  ProxmoxUnreachableError,
  ProxmoxUnsupportedError,
} from '#shared/domain/proxmox-errors.ts';

export interface ProxmoxHttpFailure {
  readonly status: number;
  /** The HTTP reason phrase: the only place servers before PVE 8.4 put the error text. */
  readonly reason: string;
  /** The parsed JSON body, if any (`errors`, and `message` from PVE 8.4 on). */
  readonly body?: { readonly errors?: Record<string, string>; readonly message?: string } | undefined;
  readonly method: string;
  readonly path: string;
}

const PERMISSION = /^Permission check failed(?: \(([^,)]+), ([^)]+)\))?/;

/**
 * The one mapping from a failed Proxmox HTTP response to the error tree. Looks at the status,
 * the reason phrase and the body, so it works with servers before and after PVE 8.4.
 */
export function mapHttpFailure(failure: ProxmoxHttpFailure): ProxmoxError {
  const text = (failure.body?.message ?? failure.reason ?? '').trim() || `HTTP ${failure.status}`;
  const context = `${failure.method} ${failure.path}`;
  switch (failure.status) {
    case 401:
      return new ProxmoxAuthError(`Proxmox refused the API token (${text})`, text);
    case 403: {
      const permission = PERMISSION.exec(text);
      return new ProxmoxPermissionError(`${context}: ${text}`, text, permission?.[1], permission?.[2]);
    }
    case 400: {
      const fields = failure.body?.errors ?? {};
      const detail = Object.entries(fields)
        .map(([field, message]) => `${field}: ${message.trim()}`)
        .join('; ');
      return new ProxmoxInvalidParameterError(
        `${context}: ${text}${detail ? ` (${detail})` : ''}`,
        text,
        fields,
      );
    }
    case 501:
      return new ProxmoxUnsupportedError(`${context}: ${text}`, text);
    case 595:
    case 596:
    case 597:
    case 598:
    case 599:
      return new ProxmoxUnreachableError(
        `${context}: the cluster could not reach the node (${failure.status} ${text})`,
        text,
        {
          httpStatus: failure.status,
        },
      );
    case 502:
    case 503:
    case 504:
      return new ProxmoxUnreachableError(`${context}: ${failure.status} ${text}`, text, {
        httpStatus: failure.status,
      });
    default:
      return (
        classifyProxmoxText(text, context) ??
        new ProxmoxServerError(`${context}: ${failure.status} ${text}`, text)
      );
  }
}
