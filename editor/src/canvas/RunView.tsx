import { useEffect, useState } from 'react';
import { artifactUrl } from '../api/client';
import type { NodeRunState } from '../state/runs';

/**
 * The run-time part of a node: progress bar with step/steps and phase, streamed LLM text, the
 * latest preview or the output image(s), and the error of a failed node.
 */
export function RunView({
  run,
  showText = true,
  showImages = true,
}: {
  run: NodeRunState | undefined;
  showText?: boolean;
  showImages?: boolean;
}) {
  if (!run) return null;
  const pct = run.steps
    ? Math.min(100, Math.round(((run.step ?? 0) / run.steps) * 100))
    : undefined;
  const images = showImages
    ? Object.entries(run.outputs ?? {}).filter(([, o]) => o.kind === 'image')
    : [];
  const texts = Object.entries(run.outputs ?? {}).filter(([, o]) => o.kind === 'text' && o.text);
  const streamed = showText ? (run.text ?? texts[0]?.[1].text) : undefined;
  return (
    <div className="run-view">
      {run.status === 'running' && (
        <div className="progress" data-testid="progress">
          <div
            className="progress-bar"
            style={{ width: `${pct ?? 100}%` }}
            data-indeterminate={pct === undefined || undefined}
          />
          <span className="progress-label">
            {run.phase ?? 'running'}
            {run.steps ? ` ${run.step ?? 0}/${run.steps}` : ''}
            {run.rate ? ` · ${run.rate.toFixed(2)}/s` : ''}
          </span>
        </div>
      )}
      {streamed && (
        <pre className="streamed nowheel nodrag" data-testid="node-text">
          {streamed}
        </pre>
      )}
      {run.status === 'running' && run.preview && <LivePreview src={run.preview} />}
      {images.map(([port, o]) => {
        const src = artifactUrl(o);
        if (!src) return null;
        // A batch shows all N images as a strip (issue 13 §5).
        if (!o.batch?.length)
          return (
            <img
              key={port}
              className="output-image"
              src={src}
              alt={`${port} output`}
              data-testid="output-image"
            />
          );
        const all = [o, ...o.batch];
        return (
          <div key={port} className="output-strip nowheel" data-testid="output-strip">
            {all.map((b, k) => {
              const u = artifactUrl(b);
              return u ? (
                <img
                  key={k}
                  className="output-image"
                  src={u}
                  alt={`${port} output ${k + 1} of ${all.length}`}
                  data-testid="output-image"
                />
              ) : null;
            })}
          </div>
        );
      })}
      {Object.entries(run.outputs ?? {})
        .filter(([, o]) => o.kind === 'tags' && Array.isArray(o.tags))
        .map(([port, o]) => (
          <div key={port} className="tags" data-testid="node-tags">
            {o.tags!.map((t, i) => (
              <span key={i} className="tag" title={t.category}>
                {t.name}
              </span>
            ))}
          </div>
        ))}
      {run.status === 'failed' && run.error && (
        <div className="node-error" data-testid="node-error">
          <b>{run.error.code}</b> {run.error.message}
        </div>
      )}
    </div>
  );
}

/**
 * The sampler's live preview. Preview files are short-lived (the worker deletes them when the job
 * ends, and a newer one may replace them), so each new one is decoded off-screen first and only
 * swapped in once it loaded: no broken-image icon, no flicker; a preview that fails to load is
 * skipped and the last good one stays.
 */
function LivePreview({ src }: { src: string }) {
  const [shown, setShown] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    const img = new Image();
    img.onload = () => live && setShown(src);
    img.src = src;
    return () => {
      live = false;
    };
  }, [src]);
  return shown ? (
    <img className="preview" src={shown} alt="live preview" data-testid="preview" />
  ) : null;
}
