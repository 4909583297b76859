import { describe, expect, it } from 'vitest';
import { RecentSecretWrites } from './recent-secret-writes.js';

describe('RecentSecretWrites', () => {
  it('knows the versions it recorded, per Secret, and only the last few', () => {
    const writes = new RecentSecretWrites(2);
    const v = (name: string, resourceVersion: string) => ({
      namespace: 'n',
      name,
      resourceVersion,
    });
    writes.record(v('tokens', '10'));
    writes.record(v('tokens', '11'));
    expect(writes.isOwn(v('tokens', '11'))).toBe(true);
    expect(writes.isOwn(v('other', '11'))).toBe(false);
    expect(writes.isOwn(v('tokens', '12'))).toBe(false); // a person's edit
    writes.record(v('tokens', '13'));
    expect(writes.isOwn(v('tokens', '10'))).toBe(false);
    writes.record(v('tokens', ''));
    expect(writes.isOwn(v('tokens', ''))).toBe(false);
  });
});
