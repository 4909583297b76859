import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A refresh result waits in Redis for the other replicas for a short time. It is sealed with
 * AES-256-GCM under a key derived from the app's client secret, so Redis never holds a usable
 * token in clear and only processes that hold the client secret can open it.
 */
function key(secret: string, context: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, context, 'xero-access refresh result v1', 32));
}

export function seal(plaintext: string, secret: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key(secret, context), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

/** Returns undefined when the box was sealed with another secret or was tampered with. */
export function open(sealed: string, secret: string, context: string): string | undefined {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key(secret, context), iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
