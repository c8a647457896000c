/**
 * Guidance drawn over the canvas: where model files go when the registry has no image model
 * (with the folders the runtime scans, GET /api/health), and what to do on an empty canvas.
 * Only the buttons take pointer events, so the canvas stays usable underneath.
 */
import { useState } from 'react';
import { useGraph } from '../state/graph';
import { loadModels, useCatalog } from '../state/catalog';
import { api } from '../api/client';
import { toast } from '../state/toasts';
import { openDefault } from '../graph/io';

export function CanvasHints() {
  const empty = useGraph((s) => s.nodes.length === 0);
  const modelsLoaded = useCatalog((s) => s.modelsLoaded);
  const noImageModel = useCatalog((s) => !s.models.some((m) => m.kind === 'sd'));
  const folders = useCatalog((s) => s.modelFolders);
  const [dismissed, setDismissed] = useState(false);
  const [scanning, setScanning] = useState(false);
  const rescan = async () => {
    setScanning(true);
    try {
      await api.scanModels();
      await loadModels();
      const n = useCatalog.getState().models.length;
      toast(
        n
          ? `Found ${n} model file${n > 1 ? 's' : ''}`
          : 'Still no model files in the model folders',
        n ? 'success' : 'warning',
      );
    } catch (e) {
      toast(`Rescan failed: ${(e as Error).message}`, 'error');
    } finally {
      setScanning(false);
    }
  };
  return (
    <>
      {modelsLoaded && noImageModel && !dismissed && (
        <div className="hint-models" data-testid="no-models-hint">
          <b>No models found.</b> Put model files (.safetensors, .gguf, .ckpt) in{' '}
          {folders?.length ? folders.map((f, i) => <code key={i}>{f}</code>) : 'the models folder'}{' '}
          (image models under <code>checkpoints/</code>, language models under <code>llm/</code>) or
          set <code>MYSTI_MODELS</code>, then rescan.
          <span className="hint-actions">
            <button className="small" onClick={() => void rescan()} disabled={scanning}>
              {scanning ? 'Scanning…' : 'Rescan'}
            </button>
            <button className="small icon" title="Hide" onClick={() => setDismissed(true)}>
              ×
            </button>
          </span>
        </div>
      )}
      {empty && (
        <div className="hint-empty" data-testid="empty-hint">
          <p>
            Drag nodes from the palette, double-click the canvas to search, or drop a workflow .json
            or a PNG with an embedded workflow here.
          </p>
          <button onClick={() => openDefault()} data-testid="load-default">
            Load the default workflow
          </button>
        </div>
      )}
    </>
  );
}
