import { z } from 'zod';

/** A Kubernetes namespace name: an RFC 1123 label. */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * WATCH_NAMESPACES of both apps: `finance, payroll` → ['finance', 'payroll']; empty: every
 * namespace. An entry no namespace can have (`Finance`) is refused: its XeroConnections would
 * never be seen.
 */
export const namespaceListSetting = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const names = text
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const bad = names.find((name) => !NAMESPACE_NAME.test(name));
    if (bad === undefined) return names;
    ctx.addIssue({
      code: 'custom',
      message: `"${bad}" is not a namespace name (at most 63 lower case letters, digits and '-', starting and ending with a letter or digit)`,
    });
    return z.NEVER;
  });
