/**
 * The choice after dropping an image that carries a workflow (A1111 parameters, a ComfyUI
 * graph, our own chunk): open that workflow, or use the image itself in a Load image node.
 * Esc or a click outside cancels (the upload stays in the gallery).
 */
import { useUi } from '../state/ui';
import { addLoadImage, openUploadWorkflow } from '../graph/upload';

const SOURCE_NAME: Record<string, string> = {
  a1111: 'an A1111/Forge',
  comfyui: 'a ComfyUI',
  mysticanvas: 'a MystiCanvas',
  sdcpp: 'a stable-diffusion.cpp',
  invokeai: 'an InvokeAI',
  swarmui: 'a SwarmUI',
};

export function DropChoice() {
  const choice = useUi((s) => s.dropChoice);
  if (!choice) return null;
  const close = () => useUi.setState({ dropChoice: undefined });
  const { upload, name, position } = choice;
  const from = SOURCE_NAME[upload.workflow?.source ?? ''] ?? 'a';
  return (
    <div className="overlay" onClick={close}>
      <div
        className="dialog drop-choice"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && close()}
        data-testid="drop-choice"
        role="dialog"
        aria-label="Open the workflow or use the image"
      >
        <h2>{name}</h2>
        <div className="drop-choice-body">
          <img src={upload.thumbUrl} alt="" draggable={false} />
          <p>
            This image carries {from} workflow ({upload.width}×{upload.height} px).
          </p>
        </div>
        <div className="dialog-actions">
          <button
            autoFocus
            onClick={() => {
              close();
              openUploadWorkflow(upload, name);
            }}
            data-testid="open-as-workflow"
          >
            Open as workflow
          </button>
          <button
            onClick={() => {
              close();
              addLoadImage(upload.uuid, position);
            }}
            data-testid="use-as-image"
          >
            Use the image (Load image)
          </button>
          <button onClick={close}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
