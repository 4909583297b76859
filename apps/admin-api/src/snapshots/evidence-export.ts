import { createHash } from 'node:crypto';
import type { SnapshotRecord, SnapshotUser } from '@xero-access/model';
import type { z } from 'zod';
import type { snapshotEvidenceSchema } from '../openapi/response-schemas.js';

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export const CSV_COLUMNS = [
  'userId',
  'email',
  'firstName',
  'lastName',
  'organisationRole',
  'isSubscriber',
  'updatedDateUtc',
  'twoFactorEnabled',
  'lastLoginAt',
] as const satisfies readonly (keyof SnapshotUser)[];

/** RFC 4180 quoting; cells starting with = + - @ are prefixed with ' so spreadsheets do not run them. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function usersCsv(users: readonly SnapshotUser[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const u of users) lines.push(CSV_COLUMNS.map((c) => csvCell(u[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The download's name. Sequences count per tenant, so without the tenant two tenants' snapshot 1
 * of one connection would share it. A character that could break the header's quoting or a file
 * system's rules (none in a Xero tenant id, a UUID) becomes `_`.
 */
export function evidenceFileName(
  snapshot: Pick<SnapshotRecord, 'connection' | 'tenantId' | 'sequence'>,
  format: 'json' | 'csv',
): string {
  const tenant = snapshot.tenantId.replace(/[^A-Za-z0-9._-]/g, '_');
  const { namespace, name } = snapshot.connection;
  return `snapshot-${namespace}-${name}-${tenant}-${snapshot.sequence}.${format}`;
}

/** The documented structure (one source), with the snapshot as the model returns it (dates serialise as its strings). */
export type JsonEvidence = Omit<z.output<typeof snapshotEvidenceSchema>, 'snapshot'> & {
  snapshot: SnapshotRecord;
};

export function jsonEvidence(
  snapshot: SnapshotRecord,
  contentText: string,
  now = new Date(),
): JsonEvidence {
  const users = JSON.parse(contentText) as SnapshotUser[];
  return {
    kind: 'xero-access-snapshot-evidence',
    version: 1,
    exportedAt: now.toISOString(),
    snapshot,
    contentText,
    users,
    digests: { contentSha256: sha256(contentText), usersCsvSha256: sha256(usersCsv(users)) },
  };
}
