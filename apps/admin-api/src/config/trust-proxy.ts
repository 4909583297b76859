import { isIP } from 'node:net';
import { z } from 'zod';

/** proxy-addr's names (Fastify's trustProxy): 127.0.0.0/8 and ::1, 169.254.0.0/16 and fe80::/10, fc00::/7. */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** An address, a range (`10.0.0.0/8`, `10.0.0.0/255.0.0.0`, `fd00::/8`) or a named range. */
function isAddressOrRange(entry: string): boolean {
  if (NAMED_RANGES.includes(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (bits === undefined || isIP(bits) === family) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

/**
 * `TRUST_PROXY`: the peers whose X-Forwarded-For is believed, comma-separated. Empty (the default)
 * trusts none: any peer could otherwise choose the source IP the audit log records and the rate
 * limit counts. Behind an ingress, name the ingress controller's pods (their pod CIDR).
 */
export const trustProxySetting = z
  .string()
  .default('')
  .transform((text, ctx) => {
    const entries = text
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const wrong = entries.filter((entry) => !isAddressOrRange(entry));
    if (wrong.length) {
      ctx.addIssue({
        code: 'custom',
        message: `expected IP addresses, CIDR ranges (10.0.0.0/8) or ${NAMED_RANGES.join(', ')}; got "${wrong.join('", "')}"`,
      });
      return z.NEVER;
    }
    return entries;
  });
