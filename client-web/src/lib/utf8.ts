// UTF-8 sizes of strings: the server counts limits in bytes (drafts: 1,000; ban reasons: 500),
// JavaScript in UTF-16 units. A lone surrogate goes out as U+FFFD (3 bytes), as TextEncoder and
// protobuf-es encode it.

/** Bytes of one code point in UTF-8. */
function cpBytes(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3; // lone surrogates included: sent as U+FFFD
  return 4;
}

export function utf8Length(text: string): number {
  let n = 0;
  for (const ch of text) n += cpBytes(ch.codePointAt(0)!);
  return n;
}

/** The longest start of `text` of at most `maxBytes` UTF-8 bytes, cut between characters (code
 * points), never inside one: a surrogate pair stays whole or goes. */
export function cutUtf8(text: string, maxBytes: number): string {
  // At most 3 bytes per UTF-16 unit: short texts need no count.
  if (text.length * 3 <= maxBytes) return text;
  let n = 0;
  let end = 0;
  for (const ch of text) {
    n += cpBytes(ch.codePointAt(0)!);
    if (n > maxBytes) break;
    end += ch.length;
  }
  return text.slice(0, end);
}
