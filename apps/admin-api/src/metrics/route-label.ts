/** The `route` label of a request no route matched (fastify's 404s): never its URL. */
const UNMATCHED_ROUTE = 'unmatched';

/**
 * The `route` label: the matched route's template in the OpenAPI document's form
 * (`/findings/:id` → `/findings/{id}`), so no id, email or other value of the URL becomes a label.
 */
export function routeLabel(template: string | undefined): string {
  if (!template) return UNMATCHED_ROUTE;
  // A parameter may carry a regular expression (`:id(^\\d+)`): the name alone is the label.
  return template.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, '{$1}');
}
