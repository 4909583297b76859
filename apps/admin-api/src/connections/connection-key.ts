import { z } from 'zod';

/** `namespace/name` as used in filters and the re-evaluation channel. */
export const connectionKeyParam = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/,
    'must be namespace/name of a XeroConnection',
  )
  .transform((key) => {
    const [namespace, name] = key.split('/') as [string, string];
    return { namespace, name };
  });
