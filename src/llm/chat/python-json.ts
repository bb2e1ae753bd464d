/**
 * JSON text exactly as Python's json.dumps(value, ensure_ascii=False) writes
 * it — the `tojson` filter Hugging Face chat templates use: ", " between
 * items, ": " after keys, non-ASCII characters unescaped, keys in insertion
 * order. Strings are escaped as JSON.stringify does (the same escapes Python
 * uses). Known difference: JavaScript has no int/float distinction, so 1.0
 * prints as 1, and exponents print as 1e-7 where Python writes 1e-07.
 */

export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && typeof v !== 'function');
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  return 'null';
}
