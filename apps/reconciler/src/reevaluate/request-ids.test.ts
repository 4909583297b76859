import type { ReevaluationRequest } from '@xero-access/model';
import { describe, expect, it } from 'vitest';
import { RequestIds } from './request-ids.js';

const message = (connections: string[], requestId?: unknown) =>
  JSON.stringify({
    connections,
    reason: 'scim.delete',
    at: '2026-01-01T00:00:00.000Z',
    ...(requestId === undefined ? {} : { requestId }),
  } as ReevaluationRequest);

describe('RequestIds', () => {
  it('names the requests that asked for a connection once, then forgets them', () => {
    const ids = new RequestIds();
    ids.note(message(['finance/acme', 'finance/globex'], 'a1b2c3d4-0000-4000-8000-000000000001'));
    ids.note(message(['finance/acme'], 'a1b2c3d4-0000-4000-8000-000000000002'));
    ids.note(message(['finance/acme'], 'a1b2c3d4-0000-4000-8000-000000000002'));

    expect(ids.take('finance/acme')).toEqual({
      requestIds: ['a1b2c3d4-0000-4000-8000-000000000001', 'a1b2c3d4-0000-4000-8000-000000000002'],
    });
    expect(ids.take('finance/acme')).toEqual({});
    expect(ids.take('finance/globex')).toEqual({
      requestIds: ['a1b2c3d4-0000-4000-8000-000000000001'],
    });
  });

  it('takes a message of an older admin API (no requestId), or a malformed one, as naming none', () => {
    const ids = new RequestIds();
    ids.note(message(['finance/acme']));
    ids.note(message(['finance/acme'], 42));
    ids.note(message(['finance/acme'], 'line\nbreak'));
    ids.note(message(['finance/acme'], 'x'.repeat(129)));
    ids.note('not json');
    ids.note('null');
    ids.note(JSON.stringify({ requestId: 'r1', connections: 'finance/acme' }));
    expect(ids.take('finance/acme')).toEqual({});
  });

  it('drops ids not taken within 2 minutes, and keeps at most 20 per connection', () => {
    let clock = 0;
    const ids = new RequestIds(() => clock);
    ids.note(message(['finance/acme'], 'old'));
    clock += 120_000;
    ids.note(message(['finance/globex'], 'new'));
    expect(ids.take('finance/acme')).toEqual({});

    for (let i = 0; i < 25; i++) ids.note(message(['finance/globex'], `r${i}`));
    const { requestIds } = ids.take('finance/globex');
    expect(requestIds).toHaveLength(20);
    expect(requestIds!.at(-1)).toBe('r24');
  });
});
