/**
 * File hashing off the event loop: the file is streamed through sha256 by libuv's thread pool, so
 * hashing a large image never blocks the runtime's HTTP, WebSocket or scheduler work.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';

/**
 * sha256 of a file (hex), read as a stream.
 * @throws the fs error (ENOENT, EACCES, …) when the file cannot be read
 */
export async function sha256FileAsync(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 20 }), h);
  return h.digest('hex');
}
