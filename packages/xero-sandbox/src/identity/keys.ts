import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { newHexId } from '../util/ids.js';

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  /** Public key as published in the JWKS. */
  publicJwk: JWK;
}

/** A fresh RS256 key pair per sandbox: Xero signs id_tokens and access tokens with RS256. */
export async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const kid = newHexId().toUpperCase();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig', kty: 'RSA' };
  return { kid, privateKey, publicJwk };
}
