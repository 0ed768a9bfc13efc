import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSafeText, unsafeTextReason } from '#shared/domain/safe-text.ts';

const REFUSED = [
  ...Array.from({ length: 0x20 }, (_, code) => code),
  ...Array.from({ length: 0x21 }, (_, index) => 0x7f + index),
  0x061c,
  0x200b,
  0x200c,
  0x200d,
  0x200e,
  0x200f,
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2060,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
  0xfeff,
  0x180e,
];

describe('safe text', () => {
  it('accepts text in any script with emoji, punctuation and spaces', () => {
    for (const text of [
      'nightly',
      'Sauvegarde \u2013 \u00e9t\u00e9',
      '\u65e5\u672c\u8a9e',
      'db \ud83d\udcbe #1',
      '',
    ]) {
      expect(isSafeText(text), text).toBe(true);
    }
  });

  it('refuses every control, bidi, zero-width character and unpaired surrogate wherever it sits', () => {
    const refused = fc.constantFrom(...REFUSED).map((code) => String.fromCharCode(code));
    const lone = fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff');
    fc.assert(
      fc.property(fc.string(), fc.oneof(refused, lone), fc.string(), (before, bad, after) => {
        // A lone surrogate next to its partner half would pair up; keep the neighbours plain.
        const text = `${before.replace(/[\ud800-\udfff]/g, '')}${bad}${after.replace(/[\ud800-\udfff]/g, '')}`;
        return !isSafeText(text) && unsafeTextReason(text) !== undefined;
      }),
    );
  });

  it('accepts any well-formed text made only of characters outside the refused ranges', () => {
    const fine = fc
      .string({ unit: 'grapheme' })
      .filter((text) => [...text].every((char) => !REFUSED.includes(char.codePointAt(0) ?? 0)));
    fc.assert(fc.property(fine, (text) => isSafeText(text)));
  });

  it('names the kind of character it refused', () => {
    expect(unsafeTextReason('a\u0000b')).toContain('control');
    expect(unsafeTextReason('a\u202Eb')).toContain('bidirectional');
    expect(unsafeTextReason('a\u200Bb')).toContain('zero-width');
    expect(unsafeTextReason('a\uD800b')).toContain('surrogate');
  });
});
