import { describe, expect, it } from 'vitest';
import { truncateUtf8 } from './truncate-utf8.js';

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** Whether `text` survives a round trip through UTF-8 (a lone surrogate becomes U+FFFD). */
const validUtf8 = (text: string) =>
  new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'utf8')) === text;

describe('truncateUtf8', () => {
  it('cuts a long note with ā and an emoji to at most 1024 bytes of valid UTF-8, ending with …', () => {
    const organisations = Array.from({ length: 100 }, (_, i) => `Tāmaki ${i} 🥝`).join(', ');
    const note = `Ready: ${organisations}`.slice(0, 1_100);
    expect(note).toHaveLength(1_100);
    expect(bytes(note)).toBeGreaterThan(1_024);

    const cut = truncateUtf8(note, 1_024);
    expect(bytes(cut)).toBeLessThanOrEqual(1_024);
    expect(bytes(cut)).toBeGreaterThan(1_024 - 4 - 3); // no more than one code point short
    expect(validUtf8(cut)).toBe(true);
    expect(cut.endsWith('…')).toBe(true);
    expect(note.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it('never splits a surrogate pair where it cuts', () => {
    // Each emoji is 4 bytes: with 3 bytes of ellipsis, 9 bytes leave room for one emoji and 2
    // bytes that must not hold half of the next one.
    const cut = truncateUtf8('🥝🥝🥝🥝', 9);
    expect(cut).toBe('🥝…');
    expect(validUtf8(cut)).toBe(true);
  });

  it('leaves a note that fits as it is, however many UTF-16 units it has', () => {
    const note = 'ā'.repeat(512); // 1024 bytes
    expect(truncateUtf8(note, 1_024)).toBe(note);
    expect(truncateUtf8(`${note}a`, 1_024)).toBe(`${'ā'.repeat(510)}…`);
  });
});
