/**
 * Free text (names, descriptions, reasons) ends up in logs, CSV exports, emails, Proxmox and
 * terminals. Characters that can hide or reorder what a reader sees, or split a line, are
 * refused rather than stored.
 */

/** Why a code point is refused, or undefined when it is fine. */
function refusal(code: number): string | undefined {
  if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return 'control characters (NUL, CR, LF, TAB, ...)';
  if ((code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) || code === 0x061c)
    return 'bidirectional overrides';
  if (code === 0x200e || code === 0x200f) return 'bidirectional marks';
  if ((code >= 0x200b && code <= 0x200d) || code === 0x2060 || code === 0xfeff || code === 0x180e)
    return 'zero-width characters';
  if (code >= 0xd800 && code <= 0xdfff) return 'unpaired surrogates';
  return undefined;
}

/** The first kind of refused character in `text`, or undefined when every character is fine. */
export function unsafeTextReason(text: string): string | undefined {
  // for..of walks code points: a well-formed surrogate pair arrives as one code point above 0xFFFF.
  for (const char of text) {
    const reason = refusal(char.codePointAt(0) ?? 0);
    if (reason) return reason;
  }
  return undefined;
}

export const isSafeText = (text: string): boolean => unsafeTextReason(text) === undefined;

/** The rule in words, for error messages and the API description. */
export const SAFE_TEXT_RULE =
  'must not contain control characters (NUL, CR, LF, TAB, ...), bidirectional overrides or marks, zero-width characters or unpaired surrogates';
