import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Store } from '#shared/adapters/dynamo/store.ts';
import { AnswerLatency } from '#shared/domain/agent/answer-polls.ts';
import { RecentKeyChecks } from '#shared/domain/agent/key-checks.ts';
import { KnownConnections } from '#shared/domain/agent/known-connections.ts';
import { AGENT_MESSAGE_LIMITS, MessageRateLimiter } from '#shared/domain/agent/message-rate.ts';
import type { CommandMessage } from '#shared/domain/agent/protocol.ts';
import { signCommandId } from '#shared/domain/agent/signed-command-id.ts';
import type { Cluster } from '#shared/domain/cluster.ts';
import { createUlidGenerator } from '#shared/domain/ids.ts';
import { type AgentConnections, inProcessAnswers, pollingAnswers } from '#shared/ports/agent-connections.ts';
import { type AgentChannelDeps, sendToAgent } from '#shared/services/agents/agent-channel.ts';
import {
  type AgentGatewayDeps,
  type AgentIdentity,
  agentMessage,
} from '#shared/services/agents/agent-gateway.ts';
import { createTestTable } from '#test/support/dynamo.ts';

const TENANT = 'signed';
const cluster: Cluster = {
  id: 'cl-near',
  tenantId: TENANT,
  name: 'near',
  connection: 'agent',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
};
const identity: AgentIdentity = { tenantId: TENANT, clusterId: cluster.id, keyId: 'key-1' };
const KEY = randomBytes(32);
const listSnapshots = { type: 'listSnapshots', node: 'pve1', guestType: 'qemu', vmid: 100 } as const;

let store: Store;

beforeAll(async () => {
  ({ store } = await createTestTable());
  await store.agents.createKey(
    { ...identity, id: identity.keyId, name: 'first', secretHash: '00', createdAt: cluster.createdAt },
    [],
  );
});
afterEach(() => {
  vi.restoreAllMocks();
});

function gateway(options: { now?: () => number; key?: Buffer } = {}): AgentGatewayDeps {
  const key = options.key ?? KEY;
  return {
    store,
    commandKey: async () => key,
    connections: { send: async () => true, close: async () => {} },
    answers: pollingAnswers,
    ids: createUlidGenerator(),
    now: options.now ?? Date.now,
    rate: new MessageRateLimiter(AGENT_MESSAGE_LIMITS, Date.now),
    keyChecks: new RecentKeyChecks(Date.now),
    callbacks: { succeed: async () => true, fail: async () => true, heartbeat: async () => true },
  };
}

const answer = (deps: AgentGatewayDeps, id: string, result: unknown = [{ name: 'a' }]) =>
  agentMessage(deps, identity, 'conn-1', JSON.stringify({ type: 'answer', id, result }));

/** The refusals audited for one command id: their reasons. */
async function refusals(id: string): Promise<string[]> {
  const page = await store.audit.list(TENANT, { limit: 100, action: 'agent.answer', outcome: 'denied' });
  return page.items.filter((event) => event.resourceId === id).map((event) => event.reason ?? '');
}

const inAMinute = () => Date.now() + 60_000;

describe('answers to signed command ids', () => {
  it('stores an answer whose id was signed for the agent’s own cluster, once; a replay is refused and audited', async () => {
    const id = signCommandId(KEY, identity, 'cmd_01JSIGNEDANSWER00000000001', inAMinute());
    await answer(gateway(), id);
    expect(await store.agents.getAnswer(TENANT, id)).toMatchObject({
      state: 'answered',
      clusterId: cluster.id,
      result: '[{"name":"a"}]',
    });
    await answer(gateway(), id, [{ name: 'replayed' }]);
    expect((await store.agents.getAnswer(TENANT, id))?.result).toBe('[{"name":"a"}]');
    expect(await refusals(id)).toEqual([
      `the agent of cluster ${cluster.id} sent a second answer to a command already answered; refused`,
    ]);
  });

  it('refuses and audits an answer whose id’s signature does not verify, and stores nothing', async () => {
    const good = signCommandId(KEY, identity, 'cmd_01JSIGNEDANSWER00000000002', inAMinute());
    const forged = [
      // The MAC changed in its last character.
      `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`,
      // Signed under another key, or for another cluster or tenant of the service.
      signCommandId(randomBytes(32), identity, 'cmd_01JSIGNEDANSWER00000000003', inAMinute()),
      signCommandId(
        KEY,
        { ...identity, clusterId: 'cl-other' },
        'cmd_01JSIGNEDANSWER00000000004',
        inAMinute(),
      ),
      signCommandId(KEY, { ...identity, tenantId: 'other' }, 'cmd_01JSIGNEDANSWER00000000005', inAMinute()),
      // A later expiry than the one signed.
      good.replace(
        /\.([0-9a-z]+)\./,
        (_match, expiry: string) => `.${(Number.parseInt(expiry, 36) + 1).toString(36)}.`,
      ),
      // No signature at all.
      'cmd_01JSIGNEDANSWER00000000006',
    ];
    for (const id of forged) {
      await answer(gateway(), id);
      expect(await store.agents.getAnswer(TENANT, id)).toBeUndefined();
      expect(await refusals(id)).toEqual([
        `the agent of cluster ${cluster.id} sent an answer to a command it was never sent; refused`,
      ]);
    }
  });

  it('refuses and audits an answer to a command whose id expired, and stores nothing', async () => {
    const expiresAt = Date.parse('2026-06-01T12:00:00.000Z');
    const id = signCommandId(KEY, identity, 'cmd_01JSIGNEDANSWER00000000007', expiresAt);
    await answer(gateway({ now: () => expiresAt + 1 }), id);
    expect(await store.agents.getAnswer(TENANT, id)).toBeUndefined();
    expect(await refusals(id)).toEqual([
      `the agent of cluster ${cluster.id} sent an answer to a command whose id expired at 2026-06-01T12:00:00.000Z; refused`,
    ]);
  });

  it('refuses pages of a paged answer whose id does not verify, and writes none of them', async () => {
    const id = signCommandId(randomBytes(32), identity, 'cmd_01JSIGNEDANSWER00000000008', inAMinute());
    await agentMessage(
      gateway(),
      identity,
      'conn-1',
      JSON.stringify({ type: 'answer', id, page: 0, pages: 2, chunk: '[1,' }),
    );
    expect(await store.agents.pagedResult(TENANT, id)).toBe('');
    expect(await refusals(id)).toHaveLength(1);
  });
});

/** A channel to an agent that answers through the WebSocket function's code; `sent` lists the connections pushed to. */
function channelTo(answers = inProcessAnswers()) {
  const sent: string[] = [];
  const routes: AgentGatewayDeps = { ...gateway(), answers };
  const gone = new Set<string>();
  const connections: AgentConnections = {
    send: async (connectionId, message) => {
      if (gone.has(connectionId)) return false;
      sent.push(connectionId);
      const { id } = message as CommandMessage;
      setTimeout(() => void answer(routes, id), 5);
      return true;
    },
    close: async () => {},
  };
  const getConnection = vi.spyOn(store.agents, 'getConnection');
  const getAnswer = vi.spyOn(store.agents, 'getAnswer');
  const reads = () => ({ connection: getConnection.mock.calls.length, answer: getAnswer.mock.calls.length });
  const channel: AgentChannelDeps = {
    store,
    connections,
    answers,
    ids: createUlidGenerator(),
    now: Date.now,
    events: { publish: async () => {} },
    offlineAfterMs: 5_000,
    latency: new AnswerLatency(),
    known: new KnownConnections(),
    commandKey: async () => KEY,
  };
  return { channel, sent, gone, reads };
}

const connect = (connectionId: string) =>
  store.agents.putConnection({
    tenantId: TENANT,
    clusterId: cluster.id,
    connectionId,
    keyId: identity.keyId,
    connectedAt: new Date().toISOString(),
    agentVersion: '1.0.0',
    commands: ['listSnapshots'],
  });

describe('the connector’s side of a command', () => {
  it('takes an answer handed over in-process without reading the table, and pushes on the remembered connection', async () => {
    await connect('conn-a');
    const { channel, sent, reads } = channelTo();
    for (let index = 0; index < 3; index++) {
      expect(await sendToAgent(channel, cluster, listSnapshots)).toEqual([{ name: 'a' }]);
    }
    expect(sent).toEqual(['conn-a', 'conn-a', 'conn-a']);
    // The connection is read for the first command only; no answer is read back.
    expect(reads()).toEqual({ connection: 1, answer: 0 });
  });

  it('reads the answer from the table when it is polled (as in AWS)', async () => {
    await connect('conn-a');
    const { channel, reads } = channelTo(pollingAnswers);
    expect(await sendToAgent(channel, cluster, listSnapshots)).toEqual([{ name: 'a' }]);
    expect(reads().answer).toBeGreaterThanOrEqual(1);
  });

  it('goes to the table when the remembered connection is gone, and sends on the agent’s new one', async () => {
    await connect('conn-a');
    const { channel, sent, gone, reads } = channelTo();
    expect(await sendToAgent(channel, cluster, listSnapshots)).toEqual([{ name: 'a' }]);
    // The agent reconnected: the old connection refuses pushes, the table names the new one.
    gone.add('conn-a');
    await connect('conn-b');
    expect(await sendToAgent(channel, cluster, listSnapshots)).toEqual([{ name: 'a' }]);
    expect(await sendToAgent(channel, cluster, listSnapshots)).toEqual([{ name: 'a' }]);
    expect(sent).toEqual(['conn-a', 'conn-b', 'conn-b']);
    expect(reads().connection).toBe(2);
  });
});
