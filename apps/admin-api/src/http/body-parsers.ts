import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertUtf8Charset, decodeUtf8Body } from './utf8-body.js';

/** A content type parser's callback. */
type Done = (error: Error | null, body?: unknown) => void;

const SAVE_CSV_AS_UTF8 = 'save the file as UTF-8 (in Excel: "CSV UTF-8")';

/** The body's text, or the error refusing it (a charset other than UTF-8, bytes that are not). */
function utf8Text(request: FastifyRequest, bytes: Buffer, remedy?: string): string {
  assertUtf8Charset(request.headers['content-type']);
  return decodeUtf8Body(bytes, remedy);
}

/**
 * The bodies this API reads (JSON, SCIM JSON, CSV), read as bytes and decoded strictly:
 * Fastify's own parsers decode leniently, so a Windows-1252 export was stored with U+FFFD in
 * place of its accented letters, or refused as not matching its Content-Length. JSON is then
 * parsed by Fastify's parser (same errors, same prototype-poisoning refusal); the body limit
 * still applies to the bytes.
 */
export function registerUtf8BodyParsers(fastify: FastifyInstance): void {
  const json = fastify.getDefaultJsonParser('error', 'error');
  const parseJson = (request: FastifyRequest, bytes: Buffer, done: Done): void => {
    let text: string;
    try {
      text = utf8Text(request, bytes);
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    json(request, text, done);
  };
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJson);
  fastify.addContentTypeParser('application/scim+json', { parseAs: 'buffer' }, parseJson);
  const parseCsv = (request: FastifyRequest, bytes: Buffer, done: Done): void => {
    try {
      done(null, utf8Text(request, bytes, SAVE_CSV_AS_UTF8));
    } catch (error) {
      done(error as Error, undefined);
    }
  };
  fastify.addContentTypeParser('text/csv', { parseAs: 'buffer' }, parseCsv);
}
