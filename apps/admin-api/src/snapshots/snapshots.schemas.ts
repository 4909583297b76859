import { EXPECTED_LINK_PATTERN } from '@xero-access/model';
import { z } from 'zod';
import { connectionKeyParam } from '../connections/connection-key.js';
import { cursorParam, limitParam, listOf } from '../http/query-schemas.js';

export const listSnapshotsQuery = z
  .object({
    connection: connectionKeyParam.describe('namespace/name of the XeroConnection'),
    tenant: z.string().min(1).max(64).optional(),
    limit: limitParam,
    cursor: cursorParam,
  })
  .strict();

const uuid = z.uuid({ message: 'must be a UUID' });

export const diffQuery = z
  .object({
    from: uuid.describe('The older snapshot'),
    to: uuid.describe('A later snapshot of the same connection and tenant'),
  })
  .strict();

export const exportQuery = z.object({ format: z.enum(['json', 'csv']).default('json') }).strict();

export const chainQuery = z
  .object({
    connection: connectionKeyParam.describe('namespace/name'),
    tenant: z.string().min(1).max(64),
    expect: listOf(z.string().regex(EXPECTED_LINK_PATTERN, 'must be <sequence>:<chainHash>'))
      .optional()
      .describe(
        'Links the chain must hold, as <sequence>:<chainHash> (repeated or comma-separated): the headSequence and headHash of an earlier verification, kept outside the database. One missing or different is a problem in verification (expected-link-missing, expected-link-mismatch): snapshots deleted from the head',
      ),
  })
  .strict();
