export type Role = 'viewer' | 'reviewer' | 'admin' | 'scim';
export interface Route {
  method: string;
  path: string;
  requiredRole: Role | 'public';
}

const RANK: Record<string, number> = { viewer: 1, reviewer: 2, admin: 3 };

/** The route table as the admin API publishes it: every operation with its `x-required-role`. */
export function routesOf(openapi: {
  paths: Record<string, Record<string, { 'x-required-role'?: string }>>;
}): Route[] {
  return Object.entries(openapi.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => {
      const role = operation['x-required-role'];
      if (!role) throw new Error(`${method.toUpperCase()} ${path} has no x-required-role`);
      return { method: method.toUpperCase(), path, requiredRole: role as Route['requiredRole'] };
    }),
  );
}

/** Whether a token of `role` may call a route: viewer < reviewer < admin; scim only and alone on SCIM. */
export function allows(route: Route, role: Role): boolean {
  if (route.requiredRole === 'public') return true;
  if (route.requiredRole === 'scim' || role === 'scim') return route.requiredRole === role;
  return RANK[role]! >= RANK[route.requiredRole]!;
}

/** A concrete URL path for a templated one (ids that exist nowhere: the guard must answer first). */
export const concretePath = (path: string) =>
  path.replace(/\{[^}]+\}/g, (p) =>
    p === '{namespace}' || p === '{name}' ? 'nowhere' : '00000000-0000-4000-8000-000000000000',
  );
