/**
 * Where Proxmox token secrets live. The table keeps only the reference this returns, so a
 * secret is never in an item, a response or a log line.
 */
export interface SecretStore {
  /** Stores (or replaces) the secret under `name`; returns the reference to keep. */
  put(name: string, value: string): Promise<string>;
  get(ref: string): Promise<string>;
  delete(ref: string): Promise<void>;
}
