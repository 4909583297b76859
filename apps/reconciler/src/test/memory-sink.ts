import { Writable } from 'node:stream';

/** A pino destination that keeps what is written, as text and as parsed JSON lines. */
export function memorySink(): {
  sink: Writable;
  text: () => string;
  lines: () => Record<string, unknown>[];
} {
  const chunks: string[] = [];
  const sink = new Writable({
    write: (chunk, _encoding, done) => (chunks.push(String(chunk)), done()),
  });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { sink, text, lines };
}
