import { useRef, useState, type DragEvent } from 'react';
import { generationThumbUrl } from '../api/client';
import { generationFromTransfer, isGenerationId } from '../graph/image-source';
import { useUi } from '../state/ui';
import { toast } from '../state/toasts';
import type { WidgetProps } from './props';
import { IMAGE_ACCEPT, isImageFile, uploadImage } from '../graph/upload';

const carriesText = (e: DragEvent) =>
  e.dataTransfer.types.includes('text/uri-list') || e.dataTransfer.types.includes('text/plain');
const carriesFile = (e: DragEvent) => e.dataTransfer.types.includes('Files');

/**
 * Load image's `source`: the chosen gallery image as a thumbnail (click to choose another from
 * the gallery picker, panels/ImagePicker.tsx), "From disk…" (a file picker; the file is uploaded,
 * POST /api/uploads, and its generation uuid becomes the source), a drop target for a gallery
 * image URL or an image file, "Paint mask…" on the chosen image (mask/MaskPainter.tsx), and the
 * plain text field as the advanced fallback for a path inside the data folder.
 */
export function ImageSourceField({
  value,
  onChange,
  nodeId,
  schema,
}: WidgetProps & { nodeId: string }) {
  const v = typeof value === 'string' ? value : '';
  const fromGallery = isGenerationId(v);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const fromDisk = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    try {
      const up = await uploadImage(file);
      if (up) onChange(up.uuid);
    } finally {
      setBusy(false);
    }
  };
  // Open the advanced section only for a path: it is the one way to set one.
  const [advanced] = useState(() => v !== '' && !fromGallery);
  const onDragOver = (e: DragEvent) => {
    if (!carriesText(e) && !carriesFile(e)) return;
    e.preventDefault();
    e.stopPropagation();
    e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const onDrop = (e: DragEvent) => {
    setOver(false);
    const uuid = generationFromTransfer(e.dataTransfer);
    const file = e.dataTransfer.files[0];
    if (!uuid && file) {
      // A file from the user's disk, dropped on this node: it becomes this node's image.
      e.preventDefault();
      e.stopPropagation();
      if (isImageFile(file)) void fromDisk(file);
      else toast(`${file.name} is not a PNG, JPEG or WebP image`, 'warning');
    } else if (uuid) {
      e.preventDefault();
      e.stopPropagation();
      onChange(uuid);
    } else if (carriesText(e)) {
      e.preventDefault();
      e.stopPropagation();
      toast(
        'That is not a gallery image. Drop an image from the MystiCanvas gallery, or type a path under “Advanced”.',
        'warning',
      );
    }
  };
  return (
    <div
      className={`w-image-source${over ? ' drop-over' : ''}`}
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      data-testid="image-source"
    >
      <button
        type="button"
        className={`w-image-pick nodrag${fromGallery ? ' has-image' : ''}`}
        onClick={() => useUi.setState({ imagePicker: nodeId })}
        title="Choose an image from the gallery (or drop one here)"
        data-testid="pick-image"
      >
        {fromGallery ? (
          <>
            <img
              src={generationThumbUrl(v)}
              alt="Chosen gallery image"
              draggable={false}
              data-testid="source-thumb"
            />
            <span className="w-image-caption">Gallery image · {v.slice(0, 8)} · change…</span>
          </>
        ) : (
          <span className="w-image-empty">
            {v
              ? 'A file in the data folder (see below) · choose from the gallery…'
              : 'Choose an image from the gallery…'}
          </span>
        )}
      </button>
      <div className="w-image-actions">
        <button
          type="button"
          className="nodrag"
          disabled={busy}
          onClick={() => picker.current?.click()}
          title="Upload a PNG, JPEG or WebP from your computer"
          data-testid="from-disk"
        >
          {busy ? 'Uploading…' : 'From disk…'}
        </button>
        {fromGallery && (
          <button
            type="button"
            className="nodrag"
            onClick={() => useUi.setState({ maskPainter: { uuid: v, nodeId } })}
            title="Paint a mask on this image (white = repaint) for inpainting"
            data-testid="paint-mask"
          >
            Paint mask…
          </button>
        )}
        <input
          ref={picker}
          type="file"
          accept={IMAGE_ACCEPT}
          hidden
          onChange={(e) => {
            void fromDisk(e.target.files?.[0]);
            e.target.value = '';
          }}
          data-testid="from-disk-input"
        />
      </div>
      <details className="w-image-advanced" open={advanced}>
        <summary>Advanced: path inside the data folder</summary>
        <input
          type="text"
          className="nodrag"
          value={v}
          maxLength={schema.maxLength}
          placeholder="e.g. inputs/photo.png, or a generation id"
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
          data-testid="source-text"
        />
      </details>
    </div>
  );
}
