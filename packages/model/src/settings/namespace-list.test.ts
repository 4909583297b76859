import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { namespaceListSetting } from './namespace-list.js';

/** As both apps read it: the message is prefixed with the variable the issue's path names. */
function read(value: string | undefined): string[] {
  const parsed = z.object({ WATCH_NAMESPACES: namespaceListSetting }).safeParse({
    WATCH_NAMESPACES: value,
  });
  if (parsed.success) return parsed.data.WATCH_NAMESPACES;
  const issue = parsed.error.issues[0]!;
  throw new Error(`${issue.path.join('.')}: ${issue.message}`);
}

describe('WATCH_NAMESPACES', () => {
  it('reads a comma-separated list of namespaces; empty: every namespace', () => {
    expect(read('finance, payroll-2 ,ops')).toEqual(['finance', 'payroll-2', 'ops']);
    expect(read('')).toEqual([]);
    expect(read(undefined)).toEqual([]);
    expect(read(` ${'a'.repeat(63)} ,`)).toEqual(['a'.repeat(63)]);
  });

  it('refuses an entry that is not a Kubernetes namespace name, naming the variable and the entry', () => {
    for (const bad of ['Finance', 'fin_ance', '-finance', 'finance-', 'fin.ance', 'a'.repeat(64)])
      expect(() => read(`ops,${bad}`), bad).toThrow(
        `WATCH_NAMESPACES: "${bad}" is not a namespace name (at most 63 lower case letters, digits and '-', starting and ending with a letter or digit)`,
      );
  });
});
