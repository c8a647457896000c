/**
 * What a Load image node's `source` can be (nodes/image/load-image.run.ts): a library generation's
 * uuid, or a path inside the data folder. Also reads a generation uuid out of something dropped
 * on the canvas: a gallery URL (`/api/generations/<uuid>/image|thumb`, what dragging an image
 * from a gallery or lightbox in another tab carries as text/uri-list) or a bare uuid.
 * Pure: no store, no DOM.
 */

/** The runtime's test for a generation id (load-image.run.ts UUID). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const IN_URL =
  /\/api\/generations\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?=[/?#]|$)/i;

/** True when `source` names a library generation (not a path). */
export const isGenerationId = (source: string) => UUID.test(source.trim());

/**
 * The generation uuid in dropped text (text/uri-list lines, a URL, or a bare uuid), or undefined.
 * Comment lines of a uri-list (`#…`) are skipped (RFC 2483).
 */
export function generationFromDrop(text: string | undefined | null): string | undefined {
  if (!text) return undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (UUID.test(line)) return line.toLowerCase();
    const m = IN_URL.exec(line);
    if (m) return m[1]!.toLowerCase();
  }
  return undefined;
}

/** The dropped generation uuid of a drag event's data, if any (uri-list first, then plain text). */
export function generationFromTransfer(
  dt: Pick<DataTransfer, 'getData'> | null,
): string | undefined {
  if (!dt) return undefined;
  return (
    generationFromDrop(dt.getData('text/uri-list')) ?? generationFromDrop(dt.getData('text/plain'))
  );
}
