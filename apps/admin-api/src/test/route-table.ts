import { ACCESS_EXTENSION } from '../auth/access.decorator.js';
import type { AccessRule } from '../auth/roles.js';
import { generateOpenApiDocument } from '../openapi/generate.js';

export interface Route {
  method: string;
  path: string;
  rule: AccessRule;
  takesBody: boolean;
}

/** The route table, read from the OpenAPI document the code generates (one entry per operation). */
export async function routeTable(): Promise<Route[]> {
  const doc = (await generateOpenApiDocument()) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      rule: op[ACCESS_EXTENSION] as AccessRule,
      takesBody: op.requestBody !== undefined,
    })),
  );
}

/** Concrete URL: ids become a well-formed id that does not exist. */
export function concrete(path: string): string {
  return path
    .replace('{id}', '0190f0d2-0000-7000-8000-000000000000')
    .replace('{namespace}', 'nowhere')
    .replace('{name}', 'nothing')
    .replace('{userId}', 'no-such-user');
}
