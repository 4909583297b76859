import { HttpException } from '@nestjs/common';
import { BadRequestField, type ErrorBody } from './errors.js';

// fatal: a byte that is not UTF-8 throws instead of becoming U+FFFD; a leading BOM is dropped.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body's text. A body that is not UTF-8 (a Windows-1252 or Latin-1 export) is refused with
 * 400 naming the first byte at fault, where reading it leniently would store U+FFFD in its place.
 */
export function decodeUtf8Body(bytes: Buffer, remedy = 'send it as UTF-8'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new BadRequestField('body', notUtf8Problem(bytes, remedy));
  }
}

function notUtf8Problem(bytes: Buffer, remedy: string): string {
  const at = firstInvalidByte(bytes);
  if (at === null) return `is not UTF-8: ${remedy}`;
  const line = bytes.subarray(0, at).filter((b) => b === 0x0a).length + 1;
  const hex = bytes[at]!.toString(16).toUpperCase().padStart(2, '0');
  return `is not UTF-8 (byte ${at + 1}, on line ${line}, is 0x${hex}): ${remedy}`;
}

/**
 * The offset of the first byte that is not part of a UTF-8 character. Decoding leniently puts
 * U+FFFD in its place; the text before it encodes back to exactly the bytes before it. A U+FFFD
 * the body really holds (EF BF BD) is passed over.
 */
function firstInvalidByte(bytes: Buffer): number | null {
  const text = bytes.toString('utf8');
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) {
    const at = Buffer.byteLength(text.slice(0, i));
    if (!(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return at;
  }
  return null;
}

const UTF8_CHARSETS = new Set(['utf-8', 'utf8']);

/**
 * Refuses a Content-Type whose charset is not UTF-8 (415): this API reads every body as UTF-8,
 * and text in another charset would be misread rather than converted.
 */
export function assertUtf8Charset(contentType: string | undefined): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '')?.[1];
  if (charset === undefined || UTF8_CHARSETS.has(charset.toLowerCase())) return;
  const named = charset.length > 40 ? `${charset.slice(0, 40)}…` : charset;
  throw new HttpException(
    {
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: `headers.content-type: charset "${named}" is not supported: send the body as UTF-8 (charset=utf-8)`,
      field: 'headers.content-type',
    } satisfies ErrorBody,
    415,
  );
}
