import { ValidationError } from '../errors.js';

const NUL = '\u0000';

/** The dotted path of the first string containing NUL inside `value`, or null. */
export function findNul(value: unknown, path: string[] = []): string | null {
  if (typeof value === 'string') return value.includes(NUL) ? path.join('.') : null;
  if (value === null || typeof value !== 'object' || value instanceof Date) return null;
  for (const [key, item] of Object.entries(value)) {
    const found = findNul(item, [...path, key]);
    if (found !== null) return found;
  }
  return null;
}

/** A copy of `value` with every NUL in its strings replaced by U+FFFD (for records that must be written). */
export function replaceNul<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll(NUL, '\uFFFD') as T;
  if (Array.isArray(value)) return value.map(replaceNul) as T;
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceNul(v)])) as T;
}

/**
 * Wraps a service so any argument containing a NUL character is refused with a ValidationError
 * naming it. PostgreSQL cannot store or even compare such strings (text and jsonb reject
 * U+0000), so without this a stray NUL in an API request would surface as a database error.
 */
export function rejectNulArguments<T extends object>(service: T): T {
  return new Proxy(service, {
    get(target, property, receiver) {
      const member: unknown = Reflect.get(target, property, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]) => {
        for (const [i, arg] of args.entries()) {
          const path = findNul(arg);
          if (path !== null) {
            return Promise.reject(
              new ValidationError(
                path || `argument ${i + 1}`,
                'must not contain NUL (U+0000) characters',
              ),
            );
          }
        }
        return (member as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
