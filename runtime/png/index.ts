/**
 * PNG metadata: a reader of our own (every chunk to IEND, tEXt/zTXt/iTXt, CRC checked, bounded
 * inflation, header-only fast path) and a writer that inserts text chunks before IDAT.
 */
export * from './types';
export { readPngText, readPngTextFile } from './read';
export {
  insertTextChunks,
  encodeTextChunk,
  encodeChunk,
  isLatin1,
  type PngTextEntry,
} from './write';
export { crc32, chunkCrc } from './crc';
export * from './a1111';
export * from './mysticanvas';
