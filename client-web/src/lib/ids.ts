// Client-chosen ids (client message ids): random, URL-safe, unique enough to never collide.
export function newId(prefix = ""): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return prefix + s;
}
