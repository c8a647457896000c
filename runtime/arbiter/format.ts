/** Human wording for arbiter messages ("Unloaded the LLM (3.1 GB) to make room for SDXL"). */
import type { WorkerKind } from './types';

/** Formats bytes as "3.1 GB" / "512 MB" (decimal units, as file managers and GPU tools show). */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (abs >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (abs >= 1e3) return `${Math.round(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

/** "the LLM" / "the image model", for sentences about a worker. */
export function workerNoun(worker: WorkerKind): string {
  return worker === 'llm' ? 'the LLM' : 'the image model';
}

/** Joins phrases as "a", "a and b", "a, b and c". */
export function joinPhrases(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
