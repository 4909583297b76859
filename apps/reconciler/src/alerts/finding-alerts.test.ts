import type { FindingTransition } from '@xero-access/model';
import { describe, expect, it } from 'vitest';
import { findingAlertsFor } from './finding-alerts.js';

const transition: FindingTransition = {
  type: 'opened',
  eventId: 'event-1',
  at: new Date('2026-12-07T10:00:00Z'),
  finding: {
    id: 'finding-1',
    connectionId: 'connection-1',
    connection: { namespace: 'finance', name: 'acme' },
    tenantId: 'tenant-1',
    check: 'offboarded-access-removed',
    subject: { kind: 'user', id: 'u-emma' },
    severity: 'high',
    status: 'open',
    message:
      'Xero user emma.brown@acme.example belongs to Emma Brown, offboarded at 2026-11-01T00:00:00Z',
    remediation: 'Remove emma.brown@acme.example from the organisation',
    firstSeenAt: new Date('2026-12-07T10:00:00Z'),
    lastSeenAt: new Date('2026-12-07T10:00:00Z'),
    resolvedAt: null,
    snapshotId: 'snapshot-1',
    acceptedRisk: null,
    updatedAt: new Date('2026-12-07T10:00:00Z'),
  },
};
const targets = [
  { url: 'https://hooks.example/x', secret: 'signing-secret-0123456789abcdef-0123' },
];

describe('finding alert payloads', () => {
  it('carry the whole finding at full detail, its message and remediation included', () => {
    const { eventType, payload } = findingAlertsFor({ targets, payloadDetail: 'full' })!.delivery(
      transition,
    );
    expect(eventType).toBe('finding.opened');
    expect(payload).toEqual({
      type: 'finding.opened',
      transition: 'opened',
      eventId: 'event-1',
      at: '2026-12-07T10:00:00.000Z',
      connection: { namespace: 'finance', name: 'acme' },
      finding: {
        id: 'finding-1',
        tenantId: 'tenant-1',
        check: 'offboarded-access-removed',
        severity: 'high',
        status: 'open',
        subject: { kind: 'user', id: 'u-emma' },
        message: transition.finding.message,
        remediation: transition.finding.remediation,
        firstSeenAt: '2026-12-07T10:00:00.000Z',
        resolvedAt: null,
        snapshotId: 'snapshot-1',
      },
    });
  });

  it('leave out the free text naming people at minimal detail', () => {
    const { payload } = findingAlertsFor({ targets, payloadDetail: 'minimal' })!.delivery(
      transition,
    );
    expect(payload).toEqual({
      type: 'finding.opened',
      transition: 'opened',
      eventId: 'event-1',
      at: '2026-12-07T10:00:00.000Z',
      connection: { namespace: 'finance', name: 'acme' },
      finding: {
        id: 'finding-1',
        tenantId: 'tenant-1',
        check: 'offboarded-access-removed',
        severity: 'high',
        status: 'open',
        subject: { kind: 'user', id: 'u-emma' },
        firstSeenAt: '2026-12-07T10:00:00.000Z',
        resolvedAt: null,
        snapshotId: 'snapshot-1',
      },
    });
    expect(JSON.stringify(payload)).not.toMatch(/@|Emma Brown|2026-11-01/);
  });
});
