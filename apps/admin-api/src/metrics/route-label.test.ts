import { describe, expect, it } from 'vitest';
import { routeLabel } from './route-label.js';

describe('routeLabel', () => {
  it("writes a route's parameters as the OpenAPI document does", () => {
    expect(routeLabel('/findings/:id')).toBe('/findings/{id}');
    expect(routeLabel('/connections/:namespace/:name/connect')).toBe(
      '/connections/{namespace}/{name}/connect',
    );
    expect(routeLabel('/reviews/:id/items/:userId(^[a-z-]+)')).toBe('/reviews/{id}/items/{userId}');
  });

  it('keeps routes without parameters, wildcards included', () => {
    expect(routeLabel('/health/live')).toBe('/health/live');
    expect(routeLabel('/docs/*')).toBe('/docs/*');
  });

  it('names a request no route matched unmatched', () => {
    expect(routeLabel(undefined)).toBe('unmatched');
  });
});
