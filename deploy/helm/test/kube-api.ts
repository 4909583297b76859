import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse } from 'yaml';

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH';
  path: string;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** The user to send the request as (Impersonate-User), e.g. a ServiceAccount's. */
  as: string;
}

export interface KubeResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * One request to the API server exactly as given (method, path, content type), where kubectl
 * would add its own (e.g. `kubectl patch --subresource=status` reads the subresource first).
 */
export function kubeRequest(kubeconfig: string, options: KubeRequest): Promise<KubeResponse> {
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const cluster = config.clusters[0].cluster;
  const user = config.users[0].user;
  const pem = (data: string) => Buffer.from(data, 'base64');
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(options.path, cluster.server),
      {
        method: options.method,
        ca: pem(cluster['certificate-authority-data']),
        cert: pem(user['client-certificate-data']),
        key: pem(user['client-key-data']),
        headers: {
          'Impersonate-User': options.as,
          Accept: options.accept ?? 'application/json',
          ...(payload === undefined
            ? {}
            : { 'Content-Type': options.contentType ?? 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // a watch stream: one JSON document per line
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
