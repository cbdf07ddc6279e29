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

const decoder = new TextDecoder();

function revive(_key: string, v: unknown): unknown {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const raw = (v as Record<string, unknown>)[NON_FINITE];
    if (keys.length === 1 && typeof raw === 'string') return Number(raw);
  }
  return v;
}

export function decodeWire(data: Uint8Array): unknown {
  const text = decoder.decode(data);
  // A reviver makes JSON.parse several times slower; only text naming the marker needs one.
  return text.includes(`"${NON_FINITE}"`)
    ? (JSON.parse(text, revive) as unknown)
    : (JSON.parse(text) as unknown);
}
