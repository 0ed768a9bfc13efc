import { describe, expect, it } from 'vitest';
import type { ServiceRecord } from '#shared/local/service-registry.ts';
import { chooseTokenTarget, missingKeyMessage } from '#shared/local/token-target.ts';

const service = (port: number, dataDir: string): ServiceRecord => ({
  pid: 1000 + port,
  url: `http://127.0.0.1:${port}`,
  port,
  dataDir,
  startedAt: '2026-11-30T10:00:00.000Z',
});

const defaultDataDir = '/repo/.data';

describe('choosing the key a token is signed with', () => {
  it('signs for the one running service whatever its data folder, when nothing is chosen', () => {
    const running = service(3000, '/srv/own-data');
    expect(chooseTokenTarget({ defaultDataDir, services: [running] })).toEqual({
      dataDir: '/srv/own-data',
      service: running,
      source: 'running service',
    });
  });

  it('refuses to guess between two running services and lists both', () => {
    const services = [service(3000, '/srv/a'), service(3001, '/srv/b')];
    expect(() => chooseTokenTarget({ defaultDataDir, services })).toThrow(
      /2 services are running[\s\S]*port 3000, DATA_DIR=\/srv\/a[\s\S]*port 3001, DATA_DIR=\/srv\/b[\s\S]*--port <port>/,
    );
  });

  it('takes the service named by --port', () => {
    const services = [service(3000, '/srv/a'), service(3001, '/srv/b')];
    expect(chooseTokenTarget({ port: 3001, defaultDataDir, services }).dataDir).toBe('/srv/b');
  });

  it('refuses a --port no service runs on, listing those that do', () => {
    expect(() =>
      chooseTokenTarget({ port: 4000, defaultDataDir, services: [service(3000, '/srv/a')] }),
    ).toThrow(/no service runs on port 4000; running now:[\s\S]*port 3000/);
    expect(() => chooseTokenTarget({ port: 4000, defaultDataDir, services: [] })).toThrow(/npm start/);
  });

  it('refuses a --port that contradicts DATA_DIR', () => {
    expect(() =>
      chooseTokenTarget({
        port: 3000,
        dataDir: '/srv/b',
        defaultDataDir,
        services: [service(3000, '/srv/a')],
      }),
    ).toThrow('DATA_DIR=/srv/b, but the service on port 3000 uses DATA_DIR=/srv/a');
  });

  it('uses DATA_DIR when it is set, running services or not', () => {
    expect(
      chooseTokenTarget({ dataDir: '/srv/b', defaultDataDir, services: [service(3000, '/srv/a')] }),
    ).toEqual({ dataDir: '/srv/b', source: 'DATA_DIR' });
  });

  it('falls back to the default data folder when no service runs', () => {
    expect(chooseTokenTarget({ defaultDataDir, services: [] })).toEqual({
      dataDir: defaultDataDir,
      source: 'default',
    });
  });

  it('explains a missing key by naming DATA_DIR and the running services', () => {
    const target = chooseTokenTarget({ dataDir: '/tmp/empty', defaultDataDir, services: [] });
    const message = missingKeyMessage(target, '/tmp/empty/keys/jwt-signing.json', [service(3000, '/srv/a')]);
    expect(message).toContain('no signing key in DATA_DIR=/tmp/empty');
    expect(message).toContain('port 3000, DATA_DIR=/srv/a');
    const fallback = missingKeyMessage(chooseTokenTarget({ defaultDataDir, services: [] }), 'x', []);
    expect(fallback).toMatch(/no running service found.*DATA_DIR is not set.*npm start/);
  });
});
