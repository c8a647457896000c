import fs from 'node:fs/promises';
import { UserError } from '../wire/errors';

/**
 * Opens a model file read-only for one of the bounded header readers (gguf.ts, safetensors.ts),
 * so that a missing file is the same error whatever its format. The caller closes the handle.
 *
 * @param file absolute path
 * @param invalid builds the format's `MODEL_INVALID` error from a reason
 * @throws UserError `MODEL_NOT_FOUND` (404) when the file does not exist; `invalid("cannot open
 *   (<errno code>)")` for any other failure to open (EACCES, EISDIR…)
 */
export async function openModelFile(
  file: string,
  invalid: (why: string) => UserError,
): Promise<fs.FileHandle> {
  try {
    return await fs.open(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UserError(
        'MODEL_NOT_FOUND',
        `model file ${file} does not exist`,
        { path: file },
        404,
      );
    throw invalid(`cannot open (${code ?? (err as Error).message})`);
  }
}
