import type { WidgetProps } from './props';
import { numericBounds } from './schema';

const MAX_SEED = 2 ** 32 - 1;
const randomSeed = () => Math.floor(Math.random() * MAX_SEED);

/**
 * A seed: a fixed number, or "random" (the runtime draws one per run and records it; design.md §5).
 * The toggle switches between the two, the dice draws a new fixed seed.
 */
export function SeedField({ schema, value, onChange }: WidgetProps) {
  const random = value === 'random';
  const { max } = numericBounds(schema);
  return (
    <div className="w-seed">
      <input
        type="number"
        className="nodrag"
        min={0}
        max={max ?? MAX_SEED}
        step={1}
        disabled={random}
        value={random ? '' : Number(value ?? 0)}
        placeholder="random"
        onChange={(e) => {
          const n = Math.trunc(Number(e.target.value));
          if (e.target.value !== '' && Number.isFinite(n) && n >= 0 && n <= (max ?? MAX_SEED)) onChange(n);
        }}
      />
      {/* The word "random" shows in the disabled number box; the checkbox itself stays compact. */}
      <label className="w-seed-toggle nodrag" title="Random: draw a new seed on every run (the seed used is recorded with the image)">
        <input type="checkbox" aria-label="random seed" checked={random} onChange={(e) => onChange(e.target.checked ? 'random' : randomSeed())} />
      </label>
      <button type="button" className="nodrag icon" title="New fixed seed" onClick={() => onChange(randomSeed())}>
        ⚄
      </button>
    </div>
  );
}
