import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface StatePayload {
  /** Single-use key: the pending flow is stored under it and deleted on the callback. */
  nonce: string;
  namespace: string;
  name: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

/** `state` = base64url(payload) + "." + base64url(HMAC-SHA256(payload)): tamper-evident and short-lived. */
export class OAuthStateSigner {
  constructor(private readonly key: Buffer) {}

  sign(payload: StatePayload): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The payload if the signature holds and it has not expired; otherwise why not. */
  verify(
    state: string,
    now = Date.now(),
  ): { ok: true; payload: StatePayload } | { ok: false; problem: string } {
    const [body, mac, extra] = state.split('.');
    if (!body || !mac || extra !== undefined) return { ok: false, problem: 'is malformed' };
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, problem: 'has a bad signature' };
    let payload: StatePayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as StatePayload;
    } catch {
      return { ok: false, problem: 'is malformed' };
    }
    if (typeof payload.exp !== 'number' || payload.exp * 1000 < now)
      return { ok: false, problem: 'has expired (start the connection again)' };
    return { ok: true, payload };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  static random(): OAuthStateSigner {
    return new OAuthStateSigner(randomBytes(32));
  }
}

export function newNonce(): string {
  return randomBytes(18).toString('base64url');
}
