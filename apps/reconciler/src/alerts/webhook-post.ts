import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

export interface WebhookPost {
  headers: OutgoingHttpHeaders;
  body: string;
  signal: AbortSignal;
  /** Resolves the host for the connection (checkedLookup for a namespace's target). */
  lookup?: LookupFunction;
}

/**
 * POSTs `body` and settles with the answer's status, its body left unread. A redirect is an
 * answer like any other: never followed (fetch would follow it, as a GET after a 302). With a
 * `lookup`, the connection is a new one (no pooled socket another lookup resolved).
 */
export function postWebhook(url: string, post: WebhookPost): Promise<number> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      {
        method: 'POST',
        headers: { ...post.headers, 'content-length': Buffer.byteLength(post.body) },
        signal: post.signal,
        ...(post.lookup ? { lookup: post.lookup, agent: false } : {}),
      },
      (response) => {
        resolve(response.statusCode ?? 0);
        response.destroy();
      },
    );
    outgoing.on('error', reject);
    outgoing.end(post.body);
  });
}
