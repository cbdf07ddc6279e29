import { readFile, stat } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { InputError, SpecError, ValidationError } from '../errors.js';
import type { StudySpec } from './study-spec.js';
import { validateStudySpec } from './validate.js';

/** A spec is a few hundred bytes; one of megabytes is a generated or hostile file. Unit: bytes. */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** YAML aliases a spec may expand: enough for shared recipes, far too few for an alias bomb. */
const MAX_ALIAS_COUNT = 100;

export type SpecFormat = 'yaml' | 'json';

function syntaxIssues(doc: Document): ValidationError[] {
  return doc.errors.map((e) => {
    const pos = e.linePos?.[0];
    const where = pos === undefined ? '' : ` at line ${pos.line}, column ${pos.col}`;
    const text = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    return new ValidationError('', `syntax error${where}: ${text}`);
  });
}

/** The document's value; an alias bomb (or any failure to build it) is bad input, not a crash. */
function documentValue(doc: Document, source: string | undefined): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new SpecError([new ValidationError('', `cannot expand the document: ${why}`)], source, {
      cause: err,
    });
  }
}

/** Strict JSON (no trailing commas, comments or YAML syntax in a `.json` file). */
function parseJson(text: string, source: string | undefined): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new SpecError([new ValidationError('', `syntax error: ${why}`)], source, { cause: err });
  }
}

/**
 * Parses spec text, rejecting duplicate keys. `json` (the default for a source ending in `.json`)
 * is strict JSON; `yaml` accepts any YAML 1.2, JSON included.
 */
export function parseStudySpecText(
  text: string,
  source?: string,
  format: SpecFormat = source?.toLowerCase().endsWith('.json') === true ? 'json' : 'yaml',
): StudySpec {
  const json = format === 'json' ? parseJson(text, source) : undefined;
  // YAML parsing also runs on JSON, for its duplicate-key check (JSON.parse keeps the last one).
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) throw new SpecError(syntaxIssues(doc), source);
  const raw: unknown = format === 'json' ? json : documentValue(doc, source);
  if (raw === null || raw === undefined) {
    throw new SpecError([new ValidationError('', 'the spec is empty')], source);
  }
  return validateStudySpec(raw, source);
}

/** Reads and validates a spec file. */
export async function loadStudySpecFile(path: string): Promise<StudySpec> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > MAX_SPEC_BYTES) {
      throw new InputError(
        `study spec ${path} is ${info.size} bytes, more than the ${MAX_SPEC_BYTES}-byte limit for a spec`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot read study spec ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseStudySpecText(text, path);
}
