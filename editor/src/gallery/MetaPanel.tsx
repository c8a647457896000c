/**
 * The metadata panel of the lightbox: prompt (search words highlighted), negative prompt,
 * parameters, model, tags with their source (user / auto / import) and a field to add tags,
 * collections, and the lineage view.
 */
import { useState } from 'react';
import type { Detail } from './api';
import { Highlight } from './highlight';
import { Lineage } from './Lineage';

const SOURCE_LABEL = { user: 'user', llm_auto: 'auto', import: 'import' } as const;

export function paramRows(
  d: Pick<Detail, 'seed' | 'steps' | 'cfgScale' | 'sampler' | 'width' | 'height' | 'modelId'> & {
    scheduler?: string | null;
    params?: Record<string, unknown> | null;
  },
): [string, string][] {
  const rows: [string, unknown][] = [
    ['Model', d.modelId],
    ['Seed', d.seed],
    ['Steps', d.steps],
    ['CFG', d.cfgScale],
    ['Sampler', d.sampler],
    ['Scheduler', d.scheduler],
    ['Size', d.width && d.height ? `${d.width}×${d.height}` : null],
  ];
  const shown = new Set([
    'model',
    'seed',
    'steps',
    'cfgScale',
    'sampler',
    'scheduler',
    'width',
    'height',
  ]);
  for (const [k, v] of Object.entries(d.params ?? {}))
    if (!shown.has(k) && (typeof v !== 'object' || v === null)) rows.push([k, v]);
  return rows
    .filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [k, String(v)]);
}

export function MetaPanel({
  d,
  q,
  onTags,
  onJump,
}: {
  d: Detail;
  q?: string;
  onTags: (add: string[], remove: string[]) => void;
  onJump: (uuid: string) => void;
}) {
  const [tag, setTag] = useState('');
  return (
    <div className="gal-meta" data-testid="gallery-meta">
      <section>
        <h4>Prompt</h4>
        <p className="gal-prompt" data-testid="meta-prompt">
          <Highlight text={d.prompt ?? '—'} q={q} />
        </p>
        {d.negativePrompt && (
          <>
            <h4>Negative</h4>
            <p className="gal-prompt muted">
              <Highlight text={d.negativePrompt} q={q} />
            </p>
          </>
        )}
      </section>
      <section>
        <h4>Parameters</h4>
        <table className="gal-params">
          <tbody>
            {paramRows(d).map(([k, v]) => (
              <tr key={k}>
                <th>{k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="muted">
          {new Date(d.createdAt).toLocaleString()} · {d.file}
          {d.missing ? ' · file missing' : ''}
        </div>
      </section>
      <section>
        <h4>Tags</h4>
        <div className="gal-tags">
          {d.tags.map((t) => (
            <span
              key={t.name}
              className={`gal-tag src-${t.source}`}
              data-testid="meta-tag"
              title={`${SOURCE_LABEL[t.source]}${t.confidence !== null ? ` · ${Math.round(t.confidence * 100)}%` : ''}${t.category ? ` · ${t.category}` : ''}`}
            >
              {t.name} <small>{SOURCE_LABEL[t.source]}</small>
              <button
                className="icon"
                aria-label={`Remove tag ${t.name}`}
                onClick={() => onTags([], [t.name])}
              >
                ×
              </button>
            </span>
          ))}
        </div>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (tag.trim()) onTags([tag.trim()], []);
            setTag('');
          }}
        >
          <input
            value={tag}
            onChange={(e) => setTag(e.target.value)}
            placeholder="add a tag…"
            data-testid="meta-add-tag"
          />
        </form>
      </section>
      {d.collections.length > 0 && (
        <section>
          <h4>Collections</h4>
          <div>{d.collections.map((c) => c.name).join(', ')}</div>
        </section>
      )}
      <section>
        <h4>Lineage</h4>
        <Lineage d={d} onJump={onJump} />
      </section>
    </div>
  );
}
