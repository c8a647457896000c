/**
 * Maps what node-llama-cpp throws to stable worker error codes (wire/errors.ts): allocation
 * failures become `OUT_OF_MEMORY` (the runtime retries once with conservative settings, design.md
 * §6); errors that already carry a code pass through.
 */
import { InsufficientMemoryError } from 'node-llama-cpp';
import { WorkerJobError } from '../protocol/server';
import { MystiError, type ErrorCode } from '../../wire/errors';

const OOM_PATTERN =
  /insufficient memory|out of memory|failed to allocate|cannot allocate|alloc(ation)? failed|ENOMEM|bad_alloc/i;

/**
 * @param err what the engine threw
 * @param fallbackCode code when the error is neither an allocation failure nor already coded
 * @param context sentence prefix naming the operation
 */
export function mapEngineError(err: unknown, fallbackCode: ErrorCode, context: string): Error {
  if (err instanceof WorkerJobError || err instanceof MystiError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof InsufficientMemoryError || OOM_PATTERN.test(message)) {
    return new WorkerJobError('OUT_OF_MEMORY', `${context}: not enough memory (${message})`);
  }
  // node-llama-cpp's context shift cannot drop the system prompt (with function calling it holds
  // the tool descriptions): the request does not fit, which is the caller's to fix.
  if (/context shift strategy did not return a history that fits/i.test(message)) {
    return new WorkerJobError(
      'PROMPT_TOO_LONG',
      `${context}: the system prompt (with the tool descriptions, when tools are given) does not fit the context; use fewer or shorter tools, tool_choice "required", or a larger context (${message})`,
    );
  }
  return new WorkerJobError(fallbackCode, `${context}: ${message}`);
}
