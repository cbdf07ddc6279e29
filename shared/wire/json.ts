/**
 * JSON for the wire. A diverged task's loss is NaN or Infinity, which plain JSON would turn into
 * null; they travel as {"$num": "NaN"} and come back as numbers.
 */
const NON_FINITE = '$num';

export function encodeWire(value: unknown): Uint8Array {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? { [NON_FINITE]: String(v) } : v,
  );
  return new TextEncoder().encode(text);
}

export function decodeWire(data: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(data), (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const raw = (v as Record<string, unknown>)[NON_FINITE];
      if (keys.length === 1 && typeof raw === 'string') return Number(raw);
    }
    return v;
  }) as unknown;
}
