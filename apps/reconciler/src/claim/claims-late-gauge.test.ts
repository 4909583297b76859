import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CLAIMS_LATE_METRIC, claimsLateGauge } from './claims-late-gauge.js';

describe('claimsLateGauge', () => {
  it("is one gauge per registry, which every leader term's claims set", async () => {
    const registry = new Registry();
    claimsLateGauge(registry).set(3);
    const again = claimsLateGauge(registry);
    expect((await again.get()).values.map((v) => v.value)).toEqual([3]);
    again.set(0);
    expect(await registry.metrics()).toContain(`${CLAIMS_LATE_METRIC} 0`);
    expect(claimsLateGauge(new Registry())).not.toBe(again);
  });
});
