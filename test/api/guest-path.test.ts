import { describe, expect, it } from 'vitest';
import { guestAwarePath } from '#shared/api/guests/guest-path.ts';

const path = (url: string) => guestAwarePath(new Request(`https://api.example.com${url}`));

describe('the path the API routes on', () => {
  it('reads a guest named <cluster>/<vmid> back as one segment when the gateway decoded it', () => {
    expect(path('/v1/guests/lab/101')).toBe('/v1/guests/lab%2F101');
    expect(path('/v1/guests/lab/101/snapshots/before-upgrade/restore?x=1')).toBe(
      '/v1/guests/lab%2F101/snapshots/before-upgrade/restore',
    );
    expect(path('/v1/guests/my%20lab/101/snapshots')).toBe('/v1/guests/my lab%2F101/snapshots');
  });

  it('leaves encoded references, canonical ids and every other path as they are', () => {
    for (const unchanged of [
      '/v1/guests/lab%2F101',
      '/v1/guests/cl_01JD7W3M4Q8ZC5N2R6T9V0X1Y2.101/snapshots/s100/restore',
      '/v1/guests/lab/snapshots',
      '/v1/guests/lab/99',
      '/v1/guests',
      '/v1/operations/op_01JD7W3M4Q8ZC5N2R6T9V0X1Y2',
      '/v1/clusters/lab/101',
    ])
      expect(path(unchanged)).toBe(unchanged);
  });
});
