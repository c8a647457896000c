/**
 * The workflow a first-time user sees (ComfyUI opens on its default txt2img graph the same way):
 * a prompt and a negative prompt feeding Text to image, whose image goes to Save image. Shown when
 * there is neither a `#g=` workflow in the URL nor a local draft. Pure: no store, no DOM.
 */
import { GRAPH_FORMAT_VERSION, type GraphDoc } from '../../../nodes/index';

export const DEFAULT_PROMPT =
  'a cozy wooden cabin in a snowy pine forest at dusk, warm light in the windows, highly detailed';
export const DEFAULT_NEGATIVE = 'blurry, low quality, watermark, text, deformed';

/** What the default workflow reads from a registry entry. */
export interface DefaultModelChoice {
  id: string;
  kind: string;
  name: string;
  family?: string | null;
  missing?: boolean;
}

/**
 * Builds the default workflow. `models` is the registry list (GET /api/models); the first diffusion
 * model (kind `sd`, present on disk, recognized family first, then by name) is preselected so a user with one checkpoint can press Run at once;
 * with none the Model field stays empty and the canvas hint says where to put model files.
 * Positions (flow px) leave a 70 px gutter between 270 px wide nodes, prompts stacked on the left.
 * The two prompt nodes carry a display title in their free-form `data` (ComfyUI node titles).
 */
export function defaultWorkflow(models: readonly DefaultModelChoice[]): GraphDoc {
  const rank = (m: DefaultModelChoice) => (m.family ? 0 : 1);
  const sd = models
    .filter((m) => m.kind === 'sd' && !m.missing)
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))[0];
  return {
    format: 'mysticanvas.graph',
    version: GRAPH_FORMAT_VERSION,
    name: 'Text to image',
    nodes: [
      {
        id: 'prompt-1',
        type: 'prompt',
        position: { x: 0, y: 0 },
        params: { text: DEFAULT_PROMPT },
        data: { title: 'Prompt' },
      },
      {
        id: 'prompt-2',
        type: 'prompt',
        position: { x: 0, y: 200 },
        params: { text: DEFAULT_NEGATIVE },
        data: { title: 'Negative prompt' },
      },
      {
        id: 'txt2img-1',
        type: 'txt2img',
        position: { x: 340, y: 0 },
        params: { model: sd?.id ?? '', width: 512, height: 512, steps: 20, seed: 'random' },
      },
      {
        id: 'save-1',
        type: 'save',
        position: { x: 680, y: 0 },
        params: { filenamePrefix: 'mysti' },
      },
    ],
    edges: [
      {
        id: 'e-prompt-1.text-txt2img-1.prompt',
        source: 'prompt-1',
        sourceHandle: 'text',
        target: 'txt2img-1',
        targetHandle: 'prompt',
      },
      {
        id: 'e-prompt-2.text-txt2img-1.negative',
        source: 'prompt-2',
        sourceHandle: 'text',
        target: 'txt2img-1',
        targetHandle: 'negative',
      },
      {
        id: 'e-txt2img-1.image-save-1.image',
        source: 'txt2img-1',
        sourceHandle: 'image',
        target: 'save-1',
        targetHandle: 'image',
      },
    ],
  };
}
