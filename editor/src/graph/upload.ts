/**
 * Images from the user's disk into the studio (issue 14): upload a file (POST /api/uploads) and
 * put it on the canvas — a Load image node, or the choice to open the workflow it carries
 * instead (panels/DropChoice.tsx). The runtime checks type, size and pixels; its refusals
 * (IMAGE_TOO_LARGE, IMAGE_INVALID, UNSUPPORTED_FORMAT, PAYLOAD_TOO_LARGE) are shown as toasts.
 */
import type { XYPosition } from '@xyflow/react';
import { api, ApiError, type UploadResult } from '../api/client';
import { toast } from '../state/toasts';
import { useUi } from '../state/ui';
import { useGraph } from '../state/graph';
import { addNode } from './ops';
import { openDoc } from './io';

/** File types the upload takes (the runtime judges by the bytes; this only filters pickers and drops). */
export const IMAGE_ACCEPT = 'image/png,image/jpeg,image/webp,.png,.jpg,.jpeg,.webp';

/** True when a dropped/picked file looks like an image the studio can take. */
export function isImageFile(f: Pick<File, 'name' | 'type'>): boolean {
  return /^image\/(png|jpeg|webp)$/.test(f.type) || /\.(png|jpe?g|webp)$/i.test(f.name);
}

/** Uploads one file; a refusal is toasted and gives undefined. */
export async function uploadImage(file: File): Promise<UploadResult | undefined> {
  try {
    return await api.upload(file, file.name);
  } catch (e) {
    const msg = e instanceof ApiError ? e.message : (e as Error).message;
    toast(`Cannot use ${file.name}: ${msg}`, 'error');
    return undefined;
  }
}

/** A Load image node showing `uuid` at `position`; returns its id. */
export function addLoadImage(uuid: string, position: XYPosition): string | undefined {
  return addNode('load-image', position, undefined, { source: uuid });
}

/**
 * An image file dropped on the canvas: uploaded, then a Load image node — or, when the image
 * carries a workflow, the choice between opening it and using the image.
 */
export async function dropImageFile(file: File, position: XYPosition): Promise<void> {
  const up = await uploadImage(file);
  if (!up) return;
  if (up.workflow) useUi.setState({ dropChoice: { upload: up, name: file.name, position } });
  else addLoadImage(up.uuid, position);
}

/** "Open as workflow" of the drop choice: replaces the graph (asks first when it has unsaved changes). */
export function openUploadWorkflow(up: UploadResult, name: string): boolean {
  if (!up.workflow) return false;
  const g = useGraph.getState();
  if (g.dirty && g.nodes.length && !confirm('Replace the current graph? It has unsaved changes.'))
    return false;
  const ok = openDoc(
    up.workflow.graph,
    { name: up.workflow.graph.name || name.replace(/\.[^.]+$/, '') },
    true,
  );
  if (ok) {
    toast(`Loaded workflow from ${name} (${up.workflow.source})`, 'success');
    for (const w of up.workflow.warnings) toast(String(w), 'warning', 8000);
  }
  return ok;
}
