/** A tenant's Proxmox VE cluster as the service stores it. The token secret is never here. */
export interface Cluster {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string;
  /** Base URL of the Proxmox API, e.g. `https://pve1.example.com:8006` (direct clusters only). */
  readonly url?: string;
  /** API token id, `user@realm!tokenname` (direct clusters only). */
  readonly tokenId?: string;
  /** Where the token secret lives (Secrets Manager ARN or local secret name; direct clusters only). */
  readonly secretRef?: string;
  /** SHA-256 fingerprint of the server certificate to pin (`AA:BB:...`), if any. */
  readonly fingerprint?: string;
  /** PEM CA bundle to verify the server against, if any. */
  readonly caCertificate?: string;
  /**
   * How the service reaches the cluster: `direct` (the connector calls its API; the default for
   * records from before agents) or `agent` (an agent in the tenant's network runs the commands
   * and holds the Proxmox token: no URL, token id or secret is stored here).
   */
  readonly connection?: ClusterConnectionMode;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export const CLUSTER_CONNECTION_MODES = ['direct', 'agent'] as const;
export type ClusterConnectionMode = (typeof CLUSTER_CONNECTION_MODES)[number];

/** Proxmox API token ids: `user@realm!tokenid` (pve-access-control `$token_full_regex`). */
export const TOKEN_ID_PATTERN = /^[^\s:/@!]+@[A-Za-z][A-Za-z0-9.\-_]+![A-Za-z][A-Za-z0-9.\-_]+$/;

/** The way Proxmox shows certificate fingerprints: 32 upper-case hex bytes joined by colons. */
export const FINGERPRINT_PATTERN = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/;

/** Fingerprints are accepted in any case and stored upper-case, as Proxmox shows them. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.trim().toUpperCase();
}
