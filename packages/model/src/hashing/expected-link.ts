import { ValidationError } from '../errors.js';

/**
 * A link the chain must hold: a head (`headSequence` and `headHash`) kept outside the database from
 * an earlier verification or export. The chain's newest rows prove nothing about rows deleted
 * after them; only a link kept elsewhere does.
 */
export interface ExpectedLink {
  sequence: number;
  chainHash: string;
}

/** `<sequence>:<chainHash>`: what `parseExpectedLinks` reads (for schemas that document it). */
export const EXPECTED_LINK_PATTERN = /^([1-9][0-9]*):([0-9a-fA-F]{64})$/;

/**
 * `<sequence>:<chainHash>` values (each given once or repeated) as links, by sequence; a
 * ValidationError naming `field` for a malformed value or a sequence given with two hashes.
 */
export function parseExpectedLinks(values: readonly string[], field: string): ExpectedLink[] {
  const links = new Map<number, string>();
  for (const value of values) {
    const match = EXPECTED_LINK_PATTERN.exec(value.trim());
    const sequence = match ? Number(match[1]) : NaN;
    if (!match || !Number.isSafeInteger(sequence))
      throw new ValidationError(
        field,
        `${JSON.stringify(value)} is not <sequence>:<chainHash> (a sequence from 1, a colon, the 64 hex digits of its chainHash, e.g. <headSequence>:<headHash> of an earlier verification)`,
      );
    const chainHash = match[2]!.toLowerCase();
    const before = links.get(sequence);
    if (before !== undefined && before !== chainHash)
      throw new ValidationError(field, `sequence ${sequence} is given with two chain hashes`);
    links.set(sequence, chainHash);
  }
  return [...links.entries()]
    .sort(([a], [b]) => a - b)
    .map(([sequence, chainHash]) => ({ sequence, chainHash }));
}
