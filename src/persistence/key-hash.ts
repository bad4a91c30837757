/**
 * A 53-bit hash of a record key's bytes, as a `RecordPage` carries it (per-key ordering of share
 * groups compares keys by it): equal keys hash equal, NaN stands for a null key. Two FNV-1a
 * variants side by side, so that distinct keys collide with a chance of about 2^-53 (a
 * collision would only make two keys wait on each other, never reorder one).
 */
export function keyHash(key: Uint8Array | string | null): number {
  if (key === null) return NaN;
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    a = Math.imul(a ^ byte, 0x01000193);
    b = Math.imul(b ^ byte, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}
