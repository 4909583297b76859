const BOM_BYTES = [0xef, 0xbb, 0xbf];
const BOM_CHAR = '\uFEFF';

/** Whether `bytes` are the mark or its beginning (a chunk may end inside it). */
function startsLikeBom(bytes: Uint8Array): boolean {
  return bytes.every((byte, i) => i < BOM_BYTES.length && byte === BOM_BYTES[i]);
}

/**
 * The chunks of a UTF-8 text (strings, or bytes as a file stream reads them) without the byte
 * order mark it may start with: Windows editors add one on save. The mark is no part of the
 * JSON, and a chain export's hashes cover the values read from it, never the file's bytes.
 */
export async function* withoutByteOrderMark(
  source: Iterable<string | Uint8Array> | AsyncIterable<string | Uint8Array>,
): AsyncGenerator<string | Uint8Array> {
  let start: Uint8Array | undefined;
  let seen = false;
  for await (const chunk of source) {
    if (seen) {
      yield chunk;
      continue;
    }
    if (typeof chunk === 'string') {
      if (chunk === '') continue;
      seen = true;
      yield chunk.startsWith(BOM_CHAR) ? chunk.slice(BOM_CHAR.length) : chunk;
      continue;
    }
    start = start ? Buffer.concat([start, chunk]) : chunk;
    if (start.length < BOM_BYTES.length && startsLikeBom(start)) continue;
    seen = true;
    yield startsLikeBom(start.subarray(0, BOM_BYTES.length))
      ? start.subarray(BOM_BYTES.length)
      : start;
  }
  // A text shorter than the mark, and its beginning: not JSON, as the parser will say.
  if (!seen && start) yield start;
}
