import type { XeroConnection } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/logger.js';
import { selectTenantsFor } from '../sync/tenant-selection.js';
import { memorySink } from '../test/memory-sink.js';
import { reportTenantMismatch, type RunSync } from './run-sync.js';

const SPEC_TENANT = '7a3e5f52-4b51-4c6a-9d1e-0f5b2c3a8e01';
const SECRET_TENANT = '1c9d2e44-0a7b-4f3e-8c21-5d6e7f8a9b0c';

describe('reportTenantMismatch', () => {
  it('logs a constant message with both tenant ids and the token Secret as fields; the Event says it in words; once per pair', async () => {
    const { sink, lines } = memorySink();
    const notes: string[] = [];
    const ctx = {
      deps: {
        logger: createLogger('info', sink),
        events: {
          record: (_c: unknown, _type: string, _reason: string, _action: string, note: string) =>
            Promise.resolve(void notes.push(note)),
        },
      },
      tenantMismatches: new Map(),
    } as unknown as RunSync;
    const spec = { tenantId: SPEC_TENANT, tokenSecretRef: { name: 'acme-tokens' } };
    const connection = {
      metadata: { namespace: 'finance', name: 'acme' },
      spec,
    } as unknown as XeroConnection;
    const selection = selectTenantsFor('finance', spec, SECRET_TENANT);

    await reportTenantMismatch(ctx, connection, selection, new AbortController().signal);
    await reportTenantMismatch(ctx, connection, selection, new AbortController().signal);

    expect(lines()).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: "spec.tenantId and the token Secret's tenant_id name different organisations: monitoring spec.tenantId only",
        connection: 'finance/acme',
        tenantId: SPEC_TENANT,
        secretTenantId: SECRET_TENANT,
        tokenSecret: 'acme-tokens',
        eventReason: 'TenantIdMismatch',
      }),
    ]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(
      `spec.tenantId ${SPEC_TENANT} and key tenant_id of Secret finance/acme-tokens`,
    );
  });
});
