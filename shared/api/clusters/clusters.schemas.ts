import { z } from '@hono/zod-openapi';
import { CLUSTER_CONNECTION_MODES, FINGERPRINT_PATTERN, TOKEN_ID_PATTERN } from '#shared/domain/cluster.ts';
import { safeText } from '../schemas.ts';

/**
 * Token id and secret travel in Proxmox's `Authorization` header; a character a header cannot
 * carry (CR, LF, NUL, anything beyond ASCII) would fail the request far from its cause.
 * Proxmox token secrets are UUIDs.
 */
const HEADER_SAFE = /^[\x21-\x7e]+$/;

const HttpsUrl = z
  .string()
  .max(2048)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (
          url.protocol === 'https:' &&
          url.username === '' &&
          url.password === '' &&
          url.search === '' &&
          url.hash === ''
        );
      } catch {
        return false;
      }
    },
    { message: 'must be an https URL without credentials, query or fragment', params: { rule: 'url.https' } },
  )
  .openapi({ example: 'https://pve1.example.com:8006' });

const Fingerprint = z
  .string()
  .refine((value) => FINGERPRINT_PATTERN.test(value.trim().toUpperCase()), {
    message: 'must be a SHA-256 fingerprint as Proxmox shows it: 32 hex bytes separated by colons',
    params: { rule: 'fingerprint.sha256' },
  })
  .openapi({ example: 'AB:CD:...(32 bytes)' });

const Pem = z
  .string()
  .max(65_536)
  .regex(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/, 'must be a PEM certificate bundle');

const fields = {
  name: safeText(z.string().trim().min(1).max(100)),
  url: HttpsUrl,
  tokenId: z
    .string()
    .max(256)
    .regex(TOKEN_ID_PATTERN, 'must be a Proxmox API token id: user@realm!tokenname')
    .regex(HEADER_SAFE, 'must be printable ASCII without spaces')
    .openapi({ example: 'snapshots@pve!service' }),
  tokenSecret: z
    .string()
    .min(1)
    .max(512)
    .regex(HEADER_SAFE, 'must be printable ASCII without spaces (Proxmox token secrets are UUIDs)')
    .openapi({ description: 'API token secret; stored encrypted, never returned' }),
  fingerprint: Fingerprint.optional(),
  caCertificate: Pem.optional(),
};

const DIRECT_REQUIRED = ['url', 'tokenId', 'tokenSecret'] as const;
const DIRECT_ONLY = [...DIRECT_REQUIRED, 'fingerprint', 'caCertificate'] as const;

/**
 * A direct cluster (the default) gives its URL and token; an agent cluster gives none of its
 * connection details: its agent holds them, and the Proxmox token never leaves its network.
 */
export const ClusterInputSchema = z
  .strictObject({
    name: fields.name,
    connection: z.enum(CLUSTER_CONNECTION_MODES).optional().openapi({
      description:
        "`direct` (default): the service calls the cluster's API with the token given here. `agent`: an agent inside the cluster's network connects out to the service and runs its commands with a token only it holds; give no url, token or certificate then, and create an agent key (POST /v1/clusters/{clusterId}/agent-keys).",
    }),
    url: fields.url.optional(),
    tokenId: fields.tokenId.optional(),
    tokenSecret: fields.tokenSecret.optional(),
    fingerprint: fields.fingerprint,
    caCertificate: fields.caCertificate,
  })
  .superRefine((input, context) => {
    const agent = input.connection === 'agent';
    for (const field of agent ? DIRECT_ONLY : DIRECT_REQUIRED) {
      if ((input[field] !== undefined) !== agent) continue;
      context.addIssue({
        code: 'custom',
        path: [field],
        message: agent
          ? 'an agent cluster stores no connection details: the agent holds the URL, token and certificate pin'
          : 'required for a direct cluster',
        params: { rule: agent ? 'cluster.agent-holds-connection' : 'required' },
      });
    }
  })
  .openapi('ClusterInput');

export const ClusterPatchSchema = z
  .strictObject({
    name: fields.name.optional(),
    connection: z.enum(CLUSTER_CONNECTION_MODES).optional().openapi({
      description:
        'Switches how the cluster is reached. To `agent`: give no connection details; the stored token is deleted and commands go through the agent from then on (create an agent key for it: POST /v1/clusters/{clusterId}/agent-keys). To `direct`: give `url`, `tokenId` and `tokenSecret` (checked against the cluster first); agent keys stay until revoked.',
    }),
    url: fields.url.optional(),
    tokenId: fields.tokenId.optional(),
    tokenSecret: fields.tokenSecret.optional(),
    fingerprint: fields.fingerprint,
    caCertificate: fields.caCertificate,
  })
  .openapi('ClusterPatch');

export const ClusterSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    connection: z.enum(CLUSTER_CONNECTION_MODES).optional().openapi({ description: 'absent: direct' }),
    url: z.string().optional().openapi({ description: 'direct clusters only' }),
    tokenId: z.string().optional().openapi({ description: 'direct clusters only' }),
    fingerprint: z.string().optional(),
    caCertificate: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.number().int(),
  })
  .openapi('Cluster');
