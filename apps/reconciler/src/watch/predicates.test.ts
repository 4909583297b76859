import type { XeroConnection } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import { needsReconcile } from './predicates.js';

const base: XeroConnection = {
  metadata: {
    name: 'a',
    namespace: 'n',
    generation: 1,
    resourceVersion: '10',
    finalizers: ['xeroaccess.dev/finalizer'],
  },
  spec: { credentialsSecretRef: { name: 'c' } },
};

describe('needsReconcile', () => {
  it('skips an update that only changed status', () => {
    const next = {
      ...base,
      metadata: { ...base.metadata, resourceVersion: '11' },
      status: { userCount: 3 },
    };
    expect(needsReconcile('MODIFIED', next, base)).toBe(false);
  });

  it('reconciles spec changes, deletion, finalizer and annotation changes, adds and deletes', () => {
    expect(
      needsReconcile('MODIFIED', { ...base, metadata: { ...base.metadata, generation: 2 } }, base),
    ).toBe(true);
    expect(
      needsReconcile(
        'MODIFIED',
        { ...base, metadata: { ...base.metadata, deletionTimestamp: new Date() } },
        base,
      ),
    ).toBe(true);
    expect(
      needsReconcile('MODIFIED', { ...base, metadata: { ...base.metadata, finalizers: [] } }, base),
    ).toBe(true);
    expect(
      needsReconcile(
        'MODIFIED',
        { ...base, metadata: { ...base.metadata, annotations: { x: 'y' } } },
        base,
      ),
    ).toBe(true);
    expect(needsReconcile('ADDED', base)).toBe(true);
    expect(needsReconcile('DELETED', base, base)).toBe(true);
  });
});
