import { useState, type DragEvent } from 'react';
import { generationThumbUrl } from '../api/client';
import { generationFromTransfer, isGenerationId } from '../graph/image-source';
import { useUi } from '../state/ui';
import { toast } from '../state/toasts';
import type { WidgetProps } from './props';

const carriesText = (e: DragEvent) =>
  e.dataTransfer.types.includes('text/uri-list') || e.dataTransfer.types.includes('text/plain');

/**
 * Load image's `source`: the chosen gallery image as a thumbnail (click to choose another from
 * the gallery picker, panels/ImagePicker.tsx), a drop target for a gallery image URL, and the
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
  // Open the advanced section only for a path: it is the one way to set one.
  const [advanced] = useState(() => v !== '' && !fromGallery);
  const onDragOver = (e: DragEvent) => {
    if (!carriesText(e)) return;
    e.preventDefault();
    e.stopPropagation();
    e.dataTransfer.dropEffect = 'copy';
    setOver(true);
  };
  const onDrop = (e: DragEvent) => {
    setOver(false);
    const uuid = generationFromTransfer(e.dataTransfer);
    if (uuid) {
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
