/**
 * JSON with object keys sorted at every level and no whitespace, so that equal values always
 * serialise to equal bytes: the basis of content-addressed task ids. Non-finite numbers are
 * rejected because JSON would silently turn them into null and merge distinct tasks.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object') {
    // Loops, not entries/filter/sort/map: the coordinator recomputes the id of every result's
    // task. The default sort orders by UTF-16 code units, as `<` on strings does.
    const record = value as Record<string, unknown>;
    let out = '';
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined) continue;
      out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${canonicalJson(v)}`;
    }
    return `{${out}}`;
  }
  throw new TypeError(`canonicalJson: cannot serialise a ${typeof value}`);
}
