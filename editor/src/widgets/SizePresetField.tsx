import { edit } from '../state/graph';
import type { ParamNodeData } from '../graph/types';

/** Common sizes (px) by aspect ratio; SD 1.x trains at 512, SDXL/Flux at ~1 MP. */
export const SIZE_PRESETS: readonly [string, number, number][] = [
  ['1:1 · 512', 512, 512],
  ['1:1 · 768', 768, 768],
  ['1:1 · 1024', 1024, 1024],
  ['2:3 · 512×768', 512, 768],
  ['3:2 · 768×512', 768, 512],
  ['3:4 · 768×1024', 768, 1024],
  ['4:3 · 1024×768', 1024, 768],
  ['9:16 · 576×1024', 576, 1024],
  ['16:9 · 1024×576', 1024, 576],
];

/**
 * Size presets for a node with `width` and `height` params: picking one sets both in one undo
 * step ("Set size"). Shows "custom" when the current size is no preset.
 */
export function SizePresetField({
  nodeId,
  width,
  height,
}: {
  nodeId: string;
  width: unknown;
  height: unknown;
}) {
  const current = SIZE_PRESETS.findIndex(([, w, h]) => w === width && h === height);
  return (
    <select
      className="w-size-preset"
      aria-label="Size preset"
      data-testid="size-preset"
      value={current < 0 ? '' : String(current)}
      onChange={(e) => {
        const p = SIZE_PRESETS[Number(e.target.value)];
        if (!p) return;
        edit('Set size', (d) => {
          const n = d.nodes.find((x) => x.id === nodeId);
          if (!n) return;
          const params = (n.data as ParamNodeData).params;
          params.width = p[1];
          params.height = p[2];
        });
      }}
    >
      <option value="" disabled>
        custom {String(width)}×{String(height)}
      </option>
      {SIZE_PRESETS.map(([label], i) => (
        <option key={label} value={i}>
          {label}
        </option>
      ))}
    </select>
  );
}
