/**
 * The header every answer carries (http/request-id.ts): the request's id, as the access log
 * (`req.id`), the error log (`reqId`) and the audit log (`requestId`) name it. Declared once in
 * components.headers, referenced by each response.
 */
export const requestIdHeaderComponents = () => ({
  'X-Request-ID': {
    description:
      "This request's id, a UUID the API gives each request (one the caller sends is not used): quote it to find the request in the API's logs and its audit log entries (`requestId`)",
    required: true,
    schema: { type: 'string', format: 'uuid' },
  },
});

export const requestIdHeaderRefs = () =>
  Object.fromEntries(
    Object.keys(requestIdHeaderComponents()).map((name) => [
      name,
      { $ref: `#/components/headers/${name}` },
    ]),
  );
