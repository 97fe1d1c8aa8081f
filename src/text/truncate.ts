/**
 * Cuts `text` to at most `max` UTF-16 units at a word boundary and appends "…". Never splits a
 * word, a surrogate pair or a base letter from its combining marks (cuts only at white space,
 * or, for one giant token, before a code point that starts a new grapheme).
 */
export function truncateAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = Math.max(0, max - 1);
  // The last white space at or before `room` (scanning back, not a regex over the whole head).
  let space = room;
  while (space > 0 && !isSpace(text.charCodeAt(space))) space--;
  let cut = space > 0 ? space : safeCodeUnitCut(text, room);
  // Do not end on a dangling punctuation mark or opening bracket.
  while (cut > 0 && /[\s,;:([“"'‘-]/.test(text[cut - 1] as string)) cut--;
  return `${text.slice(0, cut)}…`;
}

function isSpace(code: number): boolean {
  return (
    code === 32 ||
    code === 10 ||
    code === 9 ||
    code === 13 ||
    code === 0xa0 ||
    (code >= 0x2000 && code <= 0x200a)
  );
}

function safeCodeUnitCut(text: string, at: number): number {
  let cut = at;
  // Back off over low surrogates and combining marks so the cut starts a new grapheme.
  while (cut > 0 && (/[\uDC00-\uDFFF]/.test(text[cut] ?? "") || /\p{M}/u.test(text[cut] ?? ""))) cut--;
  return cut;
}
