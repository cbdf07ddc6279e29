import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { InputError, SpecError, ValidationError } from '../errors.js';
import type { StudySpec } from './study-spec.js';
import { validateStudySpec } from './validate.js';

/** Parses spec text, YAML or JSON (JSON is YAML 1.2), rejecting duplicate keys. */
export function parseStudySpecText(text: string, source?: string): StudySpec {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`;
      const text = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      return new ValidationError('', `syntax error${where}: ${text}`);
    });
    throw new SpecError(issues, source);
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) {
    throw new SpecError([new ValidationError('', 'the spec is empty')], source);
  }
  return validateStudySpec(raw, source);
}

/** Reads and validates a spec file. */
export async function loadStudySpecFile(path: string): Promise<StudySpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read study spec ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseStudySpecText(text, path);
}
