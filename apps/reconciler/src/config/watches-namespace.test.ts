import { describe, expect, it } from 'vitest';
import { watchesNamespace } from './watches-namespace.js';

describe('watchesNamespace', () => {
  it('watches every namespace when none is listed', () => {
    expect(watchesNamespace({ watchNamespaces: [] })('finance')).toBe(true);
  });

  it('watches only the namespaces listed', () => {
    const watches = watchesNamespace({ watchNamespaces: ['finance', 'payments'] });
    expect(watches('payments')).toBe(true);
    expect(watches('sales')).toBe(false);
  });
});
