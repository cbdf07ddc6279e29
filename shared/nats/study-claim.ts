import type { KV } from '@nats-io/kv';
import { StudyClaimedError } from '../errors.js';
import type { StudyRef } from './subjects.js';

/** The value of a study's entry in the study bucket. */
interface StudyClaim {
  readonly key: string;
  readonly claimedAt: string;
}

function parseClaim(text: string): StudyClaim | undefined {
  try {
    const raw = JSON.parse(text) as Partial<StudyClaim>;
    return typeof raw.key === 'string'
      ? { key: raw.key, claimedAt: String(raw.claimedAt) }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Claims the study name on this server for the database whose key `study` carries. The same
 * database (same key) may claim it again at any time, which keeps resume working; another
 * database is refused with StudyClaimedError unless `takeOver`. create() is atomic on the
 * server, so two coordinators starting at once cannot both win.
 */
export async function claimStudy(kv: KV, study: StudyRef, takeOver: boolean): Promise<void> {
  const value = JSON.stringify({ key: study.key, claimedAt: new Date().toISOString() });
  for (let tries = 0; tries < 3; tries++) {
    const entry = await kv.get(study.name);
    const claim = entry?.operation === 'PUT' ? parseClaim(entry.string()) : undefined;
    if (claim?.key === study.key) return;
    if (claim !== undefined && !takeOver) throw new StudyClaimedError(study.name, claim.key);
    try {
      if (entry === null || entry.operation !== 'PUT') await kv.create(study.name, value);
      else await kv.update(study.name, value, entry.revision);
      return;
    } catch {
      // Someone else wrote the entry between our get and write: read it again.
    }
  }
  const entry = await kv.get(study.name);
  const claim = entry === null ? undefined : parseClaim(entry.string());
  if (claim?.key !== study.key) throw new StudyClaimedError(study.name, claim?.key ?? 'unknown');
}
