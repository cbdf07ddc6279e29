/** Any value as display text: strings as they are, objects as JSON, null/undefined as ''. */
export function plainText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'symbol':
      return value.toString();
    case 'undefined':
      return '';
    case 'function':
      return `[function ${value.name}]`;
    case 'object':
      return value === null ? '' : JSON.stringify(value);
  }
}
