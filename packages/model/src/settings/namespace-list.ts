import { z } from 'zod';

/** WATCH_NAMESPACES of both apps: `finance, payroll` → ['finance', 'payroll']; empty: every namespace. */
export const namespaceListSetting = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  );
