const ELLIPSIS = '…';

/**
 * `text` in at most `maxBytes` bytes of UTF-8: unchanged when it fits, else cut at a code point
 * boundary (never inside a surrogate pair) and ended with `…`. For limits the API server counts in
 * bytes, such as an Event's note, where `slice` (UTF-16 code units) lets non-ASCII text through
 * too long.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(ELLIPSIS, 'utf8');
  let bytes = 0;
  let end = 0;
  for (const codePoint of text) {
    bytes += Buffer.byteLength(codePoint, 'utf8');
    if (bytes > budget) break;
    end += codePoint.length;
  }
  return `${text.slice(0, end)}${ELLIPSIS}`;
}
