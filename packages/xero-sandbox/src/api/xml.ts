/**
 * Xero's accounting API answers XML unless the client asks for JSON. The sandbox does the same,
 * so a client that forgets `Accept: application/json` fails here as it would at Xero.
 */

const SINGULAR: Readonly<Record<string, string>> = {
  Users: 'User',
  Organisations: 'Organisation',
  Currencies: 'Currency',
  Addresses: 'Address',
  Phones: 'Phone',
  ExternalLinks: 'ExternalLink',
  Elements: 'Element',
  ValidationErrors: 'ValidationError',
};

const escapeXml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** XML carries plain ISO dates where JSON carries `/Date(ms+0000)/`. */
const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;
const scalar = (value: unknown): string => {
  const text = String(value);
  const ms = MS_DATE.exec(text);
  return escapeXml(ms ? new Date(Number(ms[1])).toISOString().replace(/Z$/, '') : text);
};

function element(name: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    const child = SINGULAR[name] ?? name.replace(/s$/, '');
    return `<${name}>${value.map((item) => element(child, item)).join('')}</${name}>`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([key, v]) => element(key, v))
      .join('');
    return inner === '' ? `<${name} />` : `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${scalar(value)}</${name}>`;
}

/** The root is `Response` for answers and `ApiException` for Xero's Error body. */
export function toXeroXml(body: Record<string, unknown>): string {
  const root = 'ErrorNumber' in body ? 'ApiException' : 'Response';
  const inner = Object.entries(body)
    .map(([key, value]) => element(key, value))
    .join('');
  return `<${root} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${inner}</${root}>`;
}

/** True when the Accept header asks for JSON (Xero's default, without it, is XML). */
export const acceptsJson = (accept: string | undefined): boolean =>
  accept !== undefined && /application\/(?:[\w.+-]*\+)?json|text\/json/i.test(accept);
