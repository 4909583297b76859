/**
 * The routes that read one XeroConnection (and its credentials) from the cluster, with no fallback:
 * `read` ends what their 503 says could not be read while the Kubernetes API does not answer.
 */
export const CONNECTION_READS = [
  { route: 'GET /connections/{ns}/{name}', method: 'GET', path: '', role: 'viewer', read: '' },
  {
    route: 'POST /connections/{ns}/{name}/connect',
    method: 'POST',
    path: '/connect',
    role: 'admin',
    read: ' and its credentials',
  },
] as const;
