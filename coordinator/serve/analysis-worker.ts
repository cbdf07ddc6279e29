/**
 * Worker-thread entry of the analysis service: the bootstrap of a big study takes seconds, and
 * the HTTP server and its event streams must not wait for it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { describeError } from '../../shared/errors.js';
import { buildAnalysisView } from './analysis-view.js';
import type { AnalysisView } from './analysis-view.js';
import { openReadConnection } from './read-connection.js';

export interface AnalysisRequest {
  readonly id: number;
  readonly study: string;
}

export type AnalysisReply =
  | { readonly id: number; readonly ok: true; readonly view: AnalysisView }
  | { readonly id: number; readonly ok: false; readonly error: string };

const db = openReadConnection((workerData as { db: string }).db);

parentPort?.on('message', (request: AnalysisRequest) => {
  let reply: AnalysisReply;
  try {
    reply = { id: request.id, ok: true, view: buildAnalysisView(db, request.study) };
  } catch (err) {
    reply = { id: request.id, ok: false, error: describeError(err) };
  }
  parentPort?.postMessage(reply);
});
