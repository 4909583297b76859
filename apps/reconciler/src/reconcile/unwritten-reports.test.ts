import type { XeroConnection } from '@xero-access/crd';
import { describe, expect, it } from 'vitest';
import { UnwrittenReports, type SyncReport } from './unwritten-reports.js';

const connection = (uid: string, generation: number): XeroConnection =>
  ({ metadata: { namespace: 'ns', name: 'acme', uid, generation } }) as XeroConnection;

const report: SyncReport = {
  previous: {},
  status: { lastSyncTime: '2026-12-06T08:00:00.000Z', nextSyncTime: '2026-12-06T09:00:00.000Z' },
  ready: { type: 'Ready', status: 'True', reason: 'Ready', message: 'ok' },
};

describe('UnwrittenReports', () => {
  it('gives the report back for the version of the connection its sync saw, until written', () => {
    const reports = new UnwrittenReports();
    reports.hold('ns/acme', connection('u1', 3), report);
    expect(reports.for('ns/acme', connection('u1', 3))).toBe(report);
    expect(reports.for('ns/other', connection('u1', 3))).toBeUndefined();
    reports.forget('ns/acme');
    expect(reports.for('ns/acme', connection('u1', 3))).toBeUndefined();
  });

  it('drops the report once the spec changed (a new generation syncs afresh)', () => {
    const reports = new UnwrittenReports();
    reports.hold('ns/acme', connection('u1', 3), report);
    expect(reports.for('ns/acme', connection('u1', 4))).toBeUndefined();
    expect(reports.for('ns/acme', connection('u1', 3))).toBeUndefined();
  });

  it('drops the report of an object deleted and created again under the same name', () => {
    const reports = new UnwrittenReports();
    reports.hold('ns/acme', connection('u1', 1), report);
    expect(reports.for('ns/acme', connection('u2', 1))).toBeUndefined();
    expect(reports.for('ns/acme', connection('u1', 1))).toBeUndefined();
  });

  it('drops every report when the replica stops leading', () => {
    const reports = new UnwrittenReports();
    reports.hold('ns/acme', connection('u1', 1), report);
    reports.hold('ns/beta', connection('u3', 1), report);
    reports.clear();
    expect(reports.for('ns/acme', connection('u1', 1))).toBeUndefined();
    expect(reports.for('ns/beta', connection('u3', 1))).toBeUndefined();
  });
});
