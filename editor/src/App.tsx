/** The editor shell: toolbar, palette, canvas, queue, overlays; boots catalog, session and events. */
import { useEffect } from 'react';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { Canvas } from './canvas/Canvas';
import { Palette } from './panels/Palette';
import { Toolbar } from './panels/Toolbar';
import { QueuePanel } from './panels/QueuePanel';
import { Toasts } from './panels/Toasts';
import { HelpOverlay } from './panels/HelpOverlay';
import { WorkflowsDialog } from './panels/WorkflowsDialog';
import { AddNodeMenu } from './panels/AddNodeMenu';
import { ImagePicker } from './panels/ImagePicker';
import { DropChoice } from './panels/DropChoice';
import { MaskPainter } from './mask/MaskPainter';
import { loadCatalog, loadModels, loadTemplates, useCatalog } from './state/catalog';
import { persistDrafts, restoreSession } from './graph/io';
import { connectEvents, disconnectEvents } from './api/events';
import { liveValidation, runMatchesCanvas } from './queue/run';
import { installShortcuts } from './keyboard';
import { api } from './api/client';
import { seedRunNodes, seedRuns, useRuns } from './state/runs';
import { GalleryTab } from './gallery/GalleryTab';
import { SettingsDialog } from './panels/SettingsDialog';
import { useApp } from './app/state';
import { useGallery } from './gallery/state';
import { ChatDrawer } from './assistant/ChatDrawer';

async function boot(): Promise<void> {
  await Promise.all([loadCatalog(), loadModels(), loadTemplates()]);
  await restoreSession();
  connectEvents();
  try {
    const runs = await api.listRuns();
    seedRuns(runs);
    // Show the results of the latest run on a reload (its node states come from the run record).
    const latest = runs[0];
    if (latest && !useRuns.getState().activeRunId) {
      const detail = await api.getRun(latest.id);
      if (detail.nodes && typeof detail.nodes === 'object') {
        seedRunNodes(
          latest.id,
          detail.nodes as Record<string, { status?: string }>,
          (detail.outputs ?? []) as Parameters<typeof seedRunNodes>[2],
        );
        if (runMatchesCanvas(detail.graph)) useRuns.setState({ activeRunId: latest.id });
      }
    }
  } catch {
    /* the queue starts empty; the WS stream fills it */
  }
}

function Shell() {
  const flow = useReactFlow();
  const loaded = useCatalog((s) => s.loaded);
  // Under the App view the toolbar and canvas stay mounted (one graph) but out of the tab order.
  const appOpen = useApp((s) => s.open);
  const galleryOpen = useGallery((s) => s.open);
  const appView = appOpen && !galleryOpen;
  useEffect(() => installShortcuts(flow), [flow]);
  useEffect(() => {
    void boot();
    const unDraft = persistDrafts();
    const unValidate = liveValidation();
    // Styles may be added elsewhere (another tab, the API) meanwhile; the prompt picker hides when there are none.
    const onFocus = () => void loadTemplates();
    window.addEventListener('focus', onFocus);
    // No beforeunload prompt: unsaved work is kept as a local draft and restored on reload.
    return () => {
      unDraft();
      unValidate();
      window.removeEventListener('focus', onFocus);
      disconnectEvents();
    };
  }, []);
  return (
    <div className="app" data-ready={loaded || undefined}>
      <div className="editor-shell" inert={appView}>
        <Toolbar />
        <div className="main">
          <Palette />
          <Canvas />
          <QueuePanel />
        </div>
      </div>
      <AddNodeMenu />
      <ImagePicker />
      <DropChoice />
      <MaskPainter />
      <HelpOverlay />
      <WorkflowsDialog />
      <SettingsDialog />
      <GalleryTab />
      <ChatDrawer />
      <Toasts />
    </div>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Shell />
    </ReactFlowProvider>
  );
}
