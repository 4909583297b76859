import { z } from 'zod';
import { connectionKeyParam } from '../connections/connection-key.js';
import { cursorParam, limitParam } from '../http/query-schemas.js';

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
  })
  .strict();
