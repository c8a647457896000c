/**
 * The node catalog as the server serves it (GET /api/nodes) plus the model registry
 * (GET /api/models). Components select single entries (`useSpec(type)`), never the whole list
 * in a hot path.
 */
import { create } from 'zustand';
import type { NodeSpecJson, PortType } from '../../../nodes/index';
import { api, type ModelEntry, type PresetEntry, type PromptTemplate } from '../api/client';

interface CatalogState {
  specs: ReadonlyMap<string, NodeSpecJson>;
  ordered: readonly NodeSpecJson[];
  models: readonly ModelEntry[];
  /** Model presets by kind (GET /api/presets/image|llm). */
  presets: { image: readonly PresetEntry[]; llm: readonly PresetEntry[] };
  /** Folders the runtime scans for models (GET /api/health), for the "no models" hint. */
  modelFolders?: readonly string[];
  /** GET /api/health `sdCppConfigured`; undefined until known (the pre-run check then assumes yes). */
  sdCppConfigured?: boolean;
  /** Prompt templates / styles (GET /api/prompt-templates) for the prompt node's picker. */
  templates: readonly PromptTemplate[];
  /** True once the model list was fetched (an empty list then really means no models). */
  modelsLoaded: boolean;
  loaded: boolean;
  error?: string;
}

export const useCatalog = create<CatalogState>(() => ({
  specs: new Map(),
  ordered: [],
  models: [],
  presets: { image: [], llm: [] },
  templates: [],
  modelsLoaded: false,
  loaded: false,
}));

/** Loads the catalog; on failure the store carries `error` and the app shows it. */
export async function loadCatalog(): Promise<void> {
  try {
    const nodes = await api.nodes();
    useCatalog.setState({
      specs: new Map(nodes.map((n) => [n.type, n])),
      ordered: nodes,
      loaded: true,
      error: undefined,
    });
  } catch (e) {
    useCatalog.setState({ loaded: true, error: (e as Error).message });
  }
}

/**
 * Refreshes the model list, the presets and the model folders; each failure leaves the previous
 * value (the pickers then say "no models"), so one missing endpoint never blocks the others.
 */
export async function loadModels(): Promise<void> {
  const [models, image, llm, health] = await Promise.allSettled([
    api.models(),
    api.presets('image'),
    api.presets('llm'),
    api.health(),
  ]);
  const s = useCatalog.getState();
  useCatalog.setState({
    ...(models.status === 'fulfilled' ? { models: models.value, modelsLoaded: true } : {}),
    presets: {
      image: image.status === 'fulfilled' ? image.value : s.presets.image,
      llm: llm.status === 'fulfilled' ? llm.value : s.presets.llm,
    },
    ...(health.status === 'fulfilled' && health.value.modelFolders
      ? { modelFolders: health.value.modelFolders }
      : {}),
    ...(health.status === 'fulfilled' && typeof health.value.sdCppConfigured === 'boolean'
      ? { sdCppConfigured: health.value.sdCppConfigured }
      : {}),
  });
}

/** Refreshes the prompt templates; a failure keeps the previous list (the picker then says so). */
export async function loadTemplates(): Promise<void> {
  try {
    useCatalog.setState({ templates: await api.promptTemplates() });
  } catch {
    /* keep what we had */
  }
}

export const useSpec = (type: string | undefined) =>
  useCatalog((s) => (type ? s.specs.get(type) : undefined));

/** Port type of a node's port, from the served catalog; undefined for unknown types/ports. */
export function portType(
  nodeType: string | undefined,
  side: 'inputs' | 'outputs',
  port: string | null | undefined,
): PortType | undefined {
  if (!nodeType || !port) return undefined;
  return useCatalog.getState().specs.get(nodeType)?.[side][port]?.type;
}

/** Colours per port type, shared by handles, edges and the minimap (ComfyUI-like palette). */
export const PORT_COLORS: Record<string, string> = {
  text: '#e8b04a',
  image: '#5fb8f0',
  tags: '#b07cf0',
};
export const portColor = (t: string | undefined) => (t && PORT_COLORS[t]) || '#8a8f98';
