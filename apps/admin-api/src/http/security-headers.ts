import type { FastifyHelmetOptions } from '@fastify/helmet';

type RouteHeaders = Omit<FastifyHelmetOptions, 'global'>;

const NEVER_FRAMED = { frameAncestors: ["'none'"], baseUri: ["'none'"] };

/**
 * Security headers on every answer (@fastify/helmet: nosniff, X-Frame-Options DENY,
 * Referrer-Policy no-referrer, the cross-origin policies). The API answers data, never a page, so
 * its Content-Security-Policy lets a browser load and run nothing. No HSTS: the app cannot tell
 * that browsers reach it over TLS; the ingress that terminates TLS sets it.
 */
export const SECURITY_HEADERS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], formAction: ["'none'"], ...NEVER_FRAMED },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
};

/**
 * The Swagger UI page at /docs: its scripts, stylesheet and the OpenAPI document come from this
 * origin only (no inline or eval'd script). Swagger UI sets style attributes and draws its icons
 * from data: URLs, which style-src and img-src allow.
 */
export const DOCS_PAGE_HEADERS: RouteHeaders = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      formAction: ["'self'"],
      ...NEVER_FRAMED,
    },
  },
};
