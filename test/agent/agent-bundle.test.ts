import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentKey } from '#shared/domain/agent/agent-key.ts';
import { type Caller, policyBody, startTestApi, type TestApi } from '#test/support/api.ts';
import { TOKEN_ID, TOKEN_SECRET } from '#test/support/simulator.ts';
import { buildAgent } from '../../agent/build.ts';
import { agentCluster, announced } from './agent-support.ts';

/** The key's secret part (base64url may itself contain `_`, so it is parsed, not split). */
const secretOf = (key: string) => parseAgentKey(key)?.secret ?? key;

/** The Node.js Debian 13 installs with `apt install nodejs` (Node 20) on this machine. */
const SYSTEM_NODE = '/usr/bin/node';

let api: TestApi;
let admin: Caller;
let agent: ChildProcess | undefined;
const output: string[] = [];

beforeAll(async () => {
  api = await startTestApi({ env: { AGENT_OFFLINE_AFTER_SECONDS: '20' } });
  admin = await api.as('acme', 'admin');
});
afterAll(async () => {
  agent?.kill('SIGTERM');
  await api.stop();
});

describe('the built agent', () => {
  it('is one file that runs on the system’s Node 20 and carries a policy run, logging neither key nor token', {
    timeout: 180_000,
  }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'pve-agent-'));
    const file = await buildAgent(folder);
    const { clusterId, key } = await agentCluster(admin, 'lab-bundle');
    // Key and token in files, as the systemd unit hands them over.
    writeFileSync(join(folder, 'agent.key'), `${key}\n`, { mode: 0o600 });
    writeFileSync(join(folder, 'proxmox-token'), `${TOKEN_SECRET}\n`, { mode: 0o600 });
    agent = spawn(SYSTEM_NODE, [file], {
      env: {
        PATH: process.env.PATH ?? '',
        AGENT_SERVICE_URL: api.runtime.agentUrl,
        AGENT_KEY_FILE: join(folder, 'agent.key'),
        PROXMOX_URL: api.simulator.server.url,
        PROXMOX_TOKEN_ID: TOKEN_ID,
        PROXMOX_TOKEN_SECRET_FILE: join(folder, 'proxmox-token'),
        PROXMOX_FINGERPRINT: api.simulator.server.fingerprint(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    agent.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    agent.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await announced(api, 'acme', clusterId);
    const connection = await api.runtime.store.agents.getConnection('acme', clusterId);
    expect(connection?.agentVersion).toBe('1.0.0');
    expect(output.join('')).toContain('"node":"v20.');

    expect((await admin.post(`/v1/clusters/${clusterId}/sync`)).status).toBe(200);
    const policy = (await admin.post('/v1/policies', policyBody({ selector: { tags: ['prod'] } }))).body;
    const started = await admin.post(`/v1/policies/${policy.id}/runs`);
    await api.runtime.workflows.drain();
    const run = (await admin.get(`/v1/runs/${started.body.id}`)).body;
    expect(run).toMatchObject({ status: 'succeeded', failed: 0 });
    const logs = output.join('');
    expect(logs).toContain('command done');
    expect(logs).not.toContain(key);
    expect(logs).not.toContain(secretOf(key));
    expect(logs).not.toContain(TOKEN_SECRET);
  });
});
