import { randomBytes, randomUUID } from 'node:crypto';

export const newUuid = (): string => randomUUID();

/** An opaque token like Xero's refresh tokens and codes (URL-safe, 256 bits). */
export const newOpaqueToken = (): string => randomBytes(32).toString('base64url');

/** A client secret shaped like Xero's (48 URL-safe characters). */
export const newClientSecret = (): string => randomBytes(36).toString('base64url');

/** A client id shaped like Xero's (32 upper-case hex characters). */
export const newClientId = (): string => randomBytes(16).toString('hex').toUpperCase();

/** Xero's `sub` and session ids are 32 lower-case hex characters. */
export const newHexId = (): string => randomBytes(16).toString('hex');
