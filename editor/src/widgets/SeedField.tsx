import { useEffect, useState } from 'react';
import { canonicalSeed, MAX_SEED_STRING, randomSeed, seedPlus } from '../../../nodes/core/seed';
import type { WidgetProps } from './props';

/**
 * A seed: a fixed integer 0 … 2^63−1, or "random" (the runtime draws one per run and records it;
 * design.md §5). Seeds are exact decimal strings (nodes/core/seed.ts) — a number box would round
 * anything above 2^53 — so the box is text, and −/+ step with BigInt arithmetic. The toggle
 * switches between fixed and random, the dice draws a new fixed seed.
 */
export function SeedField({ value, onChange }: WidgetProps) {
  const random = value === 'random';
  const current = random ? undefined : (canonicalSeed(value) ?? '0');
  const [draft, setDraft] = useState(current ?? '');
  useEffect(() => setDraft(current ?? ''), [current]);
  const invalid = !random && canonicalSeed(draft) === undefined;
  const step = (k: number) => {
    if (current === undefined) return;
    // No wrap at the ends: 0 − 1 stays 0, 2^63−1 + 1 stays 2^63−1.
    if ((k < 0 && current === '0') || (k > 0 && current === MAX_SEED_STRING)) return;
    onChange(seedPlus(current, k));
  };
  return (
    <div className="w-seed">
      <button
        type="button"
        className="nodrag icon"
        title="Seed − 1"
        aria-label="decrement seed"
        disabled={random}
        onClick={() => step(-1)}
      >
        −
      </button>
      <input
        type="text"
        inputMode="numeric"
        className={`nodrag${invalid ? ' invalid' : ''}`}
        aria-label="seed"
        aria-invalid={invalid || undefined}
        title={`An integer 0 … ${MAX_SEED_STRING}`}
        disabled={random}
        value={random ? '' : draft}
        placeholder="random"
        onChange={(e) => {
          setDraft(e.target.value);
          const s = canonicalSeed(e.target.value);
          if (s !== undefined) onChange(s);
        }}
        onBlur={() => setDraft(current ?? '')}
      />
      <button
        type="button"
        className="nodrag icon"
        title="Seed + 1"
        aria-label="increment seed"
        disabled={random}
        onClick={() => step(1)}
      >
        +
      </button>
      {/* The word "random" shows in the disabled box; the checkbox itself stays compact. */}
      <label
        className="w-seed-toggle nodrag"
        title="Random: draw a new seed on every run (the seed used is recorded with the image)"
      >
        <input
          type="checkbox"
          aria-label="random seed"
          checked={random}
          onChange={(e) => onChange(e.target.checked ? 'random' : randomSeed())}
        />
      </label>
      <button
        type="button"
        className="nodrag icon"
        title="New fixed seed"
        onClick={() => onChange(randomSeed())}
      >
        ⚄
      </button>
    </div>
  );
}
