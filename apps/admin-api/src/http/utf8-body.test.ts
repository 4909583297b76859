import { describe, expect, it } from 'vitest';
import { assertUtf8Charset, decodeUtf8Body } from './utf8-body.js';

const errorOf = (call: () => unknown) => {
  try {
    call();
  } catch (error) {
    return (error as { getResponse(): unknown }).getResponse();
  }
  throw new Error('expected an error');
};

describe('decodeUtf8Body', () => {
  it('decodes UTF-8, dropping a leading byte order mark and keeping a U+FFFD the body holds', () => {
    const bytes = Buffer.from('\uFEFFname\nJosé García \uFFFD', 'utf8');
    expect(decodeUtf8Body(bytes)).toBe('name\nJosé García \uFFFD');
  });

  it('refuses Windows-1252 text, naming the first byte that is not UTF-8 and its line', () => {
    // "é" as Windows-1252 (0xE9) on line 2, after a U+FFFD the body really holds.
    const bytes = Buffer.concat([
      Buffer.from('email,name\r\n\uFFFD,Jos', 'utf8'),
      Buffer.from([0xe9]),
      Buffer.from(' Garc', 'latin1'),
      Buffer.from([0xed]),
      Buffer.from('a\r\n', 'latin1'),
    ]);
    expect(errorOf(() => decodeUtf8Body(bytes, 'save it as UTF-8'))).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      field: 'body',
      message: 'body: is not UTF-8 (byte 20, on line 2, is 0xE9): save it as UTF-8',
    });
  });

  it.each([
    ['a truncated sequence at the end', [0x61, 0xc3], 2, 'C3'],
    ['an overlong encoding', [0x61, 0xc0, 0xaf], 2, 'C0'],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 1, 'ED'],
  ])('refuses %s', (_, bytes, at, hex) => {
    expect(errorOf(() => decodeUtf8Body(Buffer.from(bytes)))).toMatchObject({
      message: `body: is not UTF-8 (byte ${at}, on line 1, is 0x${hex}): send it as UTF-8`,
    });
  });
});

describe('assertUtf8Charset', () => {
  it.each([undefined, 'text/csv', 'text/csv; charset=utf-8', 'application/json;charset="UTF8"'])(
    'accepts %s',
    (contentType) => {
      expect(() => assertUtf8Charset(contentType)).not.toThrow();
    },
  );

  it('refuses another charset with 415 naming the header', () => {
    expect(errorOf(() => assertUtf8Charset('text/csv; charset=windows-1252'))).toEqual({
      statusCode: 415,
      error: 'Unsupported Media Type',
      field: 'headers.content-type',
      message:
        'headers.content-type: charset "windows-1252" is not supported: send the body as UTF-8 (charset=utf-8)',
    });
  });
});
