import { describe, expect, it } from 'vitest';
import { defaultCanaryTimeoutMs, defaultMaxMemoryMiB, memoryShareMiB } from './limits.js';

const MiB = 1024 * 1024;

describe('policy limits', () => {
  it('gives a policy a quarter of the memory limit, within what wasm32 can address', () => {
    expect(memoryShareMiB(512 * MiB)).toBe(128); // the chart's limit
    expect(memoryShareMiB(2560 * MiB)).toBe(640); // enough for 100,000 users
    expect(memoryShareMiB(32 * MiB)).toBe(16);
    expect(memoryShareMiB(64 * 1024 * MiB)).toBe(4096);
  });

  it('takes POLICY_MEMORY_MAX_MIB and POLICY_CANARY_TIMEOUT_MS when set, naming them when invalid', () => {
    expect(defaultMaxMemoryMiB({ POLICY_MEMORY_MAX_MIB: '600' })).toBe(600);
    expect(defaultCanaryTimeoutMs({ POLICY_CANARY_TIMEOUT_MS: '10000' })).toBe(10_000);
    expect(defaultCanaryTimeoutMs({})).toBe(5000);
    expect(() => defaultMaxMemoryMiB({ POLICY_MEMORY_MAX_MIB: '5000' })).toThrow(
      'POLICY_MEMORY_MAX_MIB: must be a whole number of MiB from 16 to 4096, not "5000"',
    );
    expect(() => defaultCanaryTimeoutMs({ POLICY_CANARY_TIMEOUT_MS: '2s' })).toThrow(
      'POLICY_CANARY_TIMEOUT_MS: must be a whole number of ms from 100 to 600000, not "2s"',
    );
  });
});
