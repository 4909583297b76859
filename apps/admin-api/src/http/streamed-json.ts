import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';

/**
 * Sends a 200 whose JSON body is written as it is read from the database (`pieces`), so memory
 * does not grow with it. Past the status line the body can only be cut short, before the
 * document's trailer (a chain export's `verification`, a review report's `sha256`): a database
 * failure midway is logged as `failure` and the connection reset. A reset, not a close: a body
 * delimited by the close (HTTP/1.0, or a proxy reading it so) would otherwise end cleanly, and a
 * chunked one must not reach its last chunk either.
 */
export async function sendStreamedJson(
  reply: FastifyReply,
  pieces: AsyncIterable<string>,
  logger: Logger,
  failure: string,
): Promise<void> {
  const body = Readable.from(pieces);
  body.on('error', (error) => {
    logger.error({ err: error, reqId: reply.request.id }, failure);
    reply.raw.socket?.resetAndDestroy();
  });
  await reply.header('content-type', 'application/json; charset=utf-8').send(body);
}
