import { stringify } from 'yaml';
import type { ClusterCertificates } from './certs.js';

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

/** A kubeconfig for the local cluster's admin (system:masters) user. */
export function renderKubeconfig(
  server: string,
  certs: ClusterCertificates,
  name = 'xero-access-local',
): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server, 'certificate-authority-data': b64(certs.ca.cert) } }],
    users: [
      {
        name: 'admin',
        user: {
          'client-certificate-data': b64(certs.admin.cert),
          'client-key-data': b64(certs.admin.key),
        },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: 'admin', namespace: 'default' } }],
    'current-context': name,
  });
}
