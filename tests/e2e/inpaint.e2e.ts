/**
 * Issue 14 in chromium: JPEGs from disk by the Load image node's file picker and by a drop on the
 * canvas (one carrying A1111 parameters: the drop offers "open as workflow"), a mask painted with
 * the mouse on the uploaded image, a stroke undone, the mask saved (white = repaint, the image's
 * size) and wired into img2img's mask input; inpainting runs on the sd.cpp stand-in and the result's
 * gallery lineage lists the mask and the init image.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from '@playwright/test';
import {
  test,
  expect,
  freshEditor,
  node,
  nodes,
  edges,
  shot,
  dropFile,
  dragFromPalette,
} from './helpers/app';
import { a1111Jpeg } from '../helpers/exif-images';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-e2e-inpaint-'));

/** A 96×64 JPEG on disk: a gradient so the thumbnail and the mask overlay are visible. */
async function photo(name: string, hue: string): Promise<string> {
  const file = path.join(dir, name);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64"><defs><linearGradient id="g"><stop offset="0" stop-color="${hue}"/><stop offset="1" stop-color="#fff"/></linearGradient></defs><rect width="96" height="64" fill="url(#g)"/></svg>`;
  fs.writeFileSync(file, await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer());
  return file;
}

/** One mouse stroke across the mask canvas, from (fx0, fy0) to (fx1, fy1) as fractions of its box. */
async function stroke(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const box = (await page.getByTestId('mask-canvas').boundingBox())!;
  const pt = ([fx, fy]: [number, number]) =>
    [box.x + fx * box.width, box.y + fy * box.height] as const;
  await page.mouse.move(...pt(from));
  await page.mouse.down();
  await page.mouse.move(...pt(to), { steps: 8 });
  await page.mouse.up();
}

/** Gray values of a library image at (x, y) points, read in the page (canvas getImageData). */
function pixels(page: Page, uuid: string, points: [number, number][]) {
  return page.evaluate(
    async ({ uuid, points }) => {
      const img = new Image();
      img.src = `/api/generations/${uuid}/image`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      return {
        size: [c.width, c.height],
        values: points.map(([x, y]) => ctx.getImageData(x, y, 1, 1).data[0]),
      };
    },
    { uuid, points },
  );
}

test('upload JPEGs by the file picker and by drop, paint a mask, undo a stroke, save it', async ({
  page,
}) => {
  await freshEditor(page);
  // A plain JPEG dropped on the canvas becomes a Load image node.
  await dropFile(page, await photo('dropped.jpg', '#36c'), 'image/jpeg');
  await expect(nodes(page)).toHaveCount(1);
  const dropped = node(page, 'load-image-1');
  await expect(dropped.getByTestId('source-thumb')).toBeVisible();
  const droppedUuid = await dropped.getByTestId('source-text').inputValue();
  expect(droppedUuid).toMatch(/^[0-9a-f-]{36}$/);
  await dropped.locator('.mnode-head').dragTo(page.locator('.react-flow__pane'), {
    targetPosition: { x: 120, y: 480 },
  });

  // One with A1111 parameters offers its workflow; "use the image" adds the node instead.
  const a1111 = path.join(dir, 'a1111.jpg');
  fs.writeFileSync(
    a1111,
    await a1111Jpeg(
      'a castle\nSteps: 3, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 64x64, Model: x',
      64,
      64,
    ),
  );
  await dropFile(page, a1111, 'image/jpeg');
  const choice = page.getByTestId('drop-choice');
  await expect(choice).toContainText('A1111/Forge workflow');
  await shot(page, '60-drop-choice');
  await choice.getByTestId('use-as-image').click();
  await expect(nodes(page)).toHaveCount(2);
  await node(page, 'load-image-2')
    .locator('.mnode-head')
    .dragTo(page.locator('.react-flow__pane'), { targetPosition: { x: 420, y: 480 } });

  // The file picker of a Load image node.
  await dragFromPalette(page, 'load-image', 300, 60);
  const li = node(page, 'load-image-3');
  await li.getByTestId('from-disk-input').setInputFiles(await photo('picked.jpg', '#c33'));
  await expect(li.getByTestId('source-thumb')).toBeVisible();
  const picked = await li.getByTestId('source-text').inputValue();
  expect(picked).toMatch(/^[0-9a-f-]{36}$/);
  expect(picked).not.toBe(droppedUuid);

  // The mask painter on the picked image: two strokes, undo the second, save.
  await li.getByTestId('paint-mask').click();
  const painter = page.getByTestId('mask-painter');
  await expect(painter.getByTestId('mask-canvas')).toBeVisible();
  await painter.getByTestId('mask-size').fill('12');
  await stroke(page, [0.1, 0.5], [0.4, 0.5]); // left half
  await stroke(page, [0.6, 0.5], [0.9, 0.5]); // right half
  await expect(painter).toHaveAttribute('data-strokes', '2');
  await shot(page, '61-mask-two-strokes');
  await painter.getByTestId('mask-undo').click();
  await expect(painter).toHaveAttribute('data-strokes', '1');
  await page.keyboard.press('Control+z');
  await expect(painter).toHaveAttribute('data-strokes', '0');
  await page.keyboard.press('Control+Shift+z');
  await expect(painter).toHaveAttribute('data-strokes', '1');
  await painter.getByTestId('mask-save').click();
  await expect(painter).toHaveCount(0);
  await expect(page.getByTestId('toast').filter({ hasText: 'Mask saved' })).toBeVisible();

  const maskNode = node(page, 'load-image-4');
  await expect(maskNode.getByTestId('source-thumb')).toBeVisible();
  const mask = await maskNode.getByTestId('source-text').inputValue();
  // White where the kept stroke went (left, y = 32), black where the undone one was (right) and elsewhere.
  const px = await pixels(page, mask, [
    [24, 32],
    [72, 32],
    [24, 5],
  ]);
  expect(px.size).toEqual([96, 64]);
  expect(px.values).toEqual([255, 0, 0]);
  await shot(page, '62-mask-saved');

  await test.step('eraser, clear (undoable), invert and feather', async () => {
    await li.getByTestId('paint-mask').click();
    const p = page.getByTestId('mask-painter');
    await expect(p.getByTestId('mask-canvas')).toBeVisible();
    await p.getByTestId('mask-size').fill('12');
    await stroke(page, [0.1, 0.5], [0.4, 0.5]); // painted: x 10…38, y 26…38
    await p.getByTestId('mask-clear').click();
    await expect(p).toHaveAttribute('data-strokes', '0');
    await p.getByTestId('mask-undo').click(); // the clear is undone, the stroke is back
    await expect(p).toHaveAttribute('data-strokes', '1');
    await p.getByTestId('mask-eraser').click();
    await stroke(page, [0.25, 0.5], [0.25, 0.5]); // one eraser dab at (24, 32)
    await p.getByTestId('mask-invert').click();
    await p.getByTestId('mask-feather').fill('2');
    await expect(p).toHaveAttribute('data-ops', '3'); // stroke, eraser dab, invert (the clear was undone)
    await p.getByTestId('mask-save').click();
    await expect(p).toHaveCount(0);
    const inverted = await node(page, 'load-image-5').getByTestId('source-text').inputValue();
    const v = (
      await pixels(page, inverted, [
        [72, 5], // never painted → white after invert
        [14, 32], // painted → black after invert (feathered a little)
        [24, 32], // painted, then erased → white after invert
        [14, 38], // the stroke's edge: feathered, in between
      ])
    ).values as number[];
    expect(v[0]).toBe(255);
    expect(v[1]).toBeLessThan(40);
    expect(v[2]).toBeGreaterThan(215);
    expect(v[3]).toBeGreaterThan(40);
    expect(v[3]).toBeLessThan(215);
  });

  await test.step('inpaint: the mask painted on an img2img input is wired into its mask port, runs, and shows in the lineage', async () => {
    const uuidRe = /^[0-9a-f-]{36}$/;
    expect(picked).toMatch(uuidRe);
    const graph = {
      format: 'mysticanvas.graph',
      version: 1,
      name: 'e2e inpaint',
      nodes: [
        { id: 'init', type: 'load-image', position: { x: 0, y: 0 }, params: { source: picked } },
        { id: 'p1', type: 'prompt', position: { x: 0, y: 420 }, params: { text: 'a red door' } },
        {
          id: 'i2i',
          type: 'img2img',
          position: { x: 340, y: 0 },
          params: {
            model: 'checkpoints/dummy-sd15.safetensors',
            width: 96,
            height: 64,
            steps: 2,
            strength: 0.8,
            seed: '7',
          },
        },
        {
          id: 's1',
          type: 'save',
          position: { x: 700, y: 0 },
          params: { filenamePrefix: 'inpaint' },
        },
      ],
      edges: [
        { id: 'e1', source: 'init', sourceHandle: 'image', target: 'i2i', targetHandle: 'image' },
        { id: 'e2', source: 'p1', sourceHandle: 'text', target: 'i2i', targetHandle: 'prompt' },
        { id: 'e3', source: 'i2i', sourceHandle: 'image', target: 's1', targetHandle: 'image' },
      ],
    };
    page.once('dialog', (d) => void d.accept()); // "Replace the current graph?"
    await dropFile(
      page,
      { name: 'inpaint.json', content: JSON.stringify(graph) },
      'application/json',
    );
    await expect(nodes(page)).toHaveCount(4);
    await expect(edges(page)).toHaveCount(3);

    await node(page, 'init').getByTestId('paint-mask').click();
    const painter = page.getByTestId('mask-painter');
    await expect(painter.getByTestId('mask-canvas')).toBeVisible();
    await painter.getByTestId('mask-size').fill('20');
    await stroke(page, [0.3, 0.3], [0.7, 0.7]);
    await stroke(page, [0.1, 0.9], [0.2, 0.9]);
    await painter.getByTestId('mask-undo').click();
    await expect(painter).toHaveAttribute('data-strokes', '1');
    await painter.getByTestId('mask-save').click();
    await expect(page.getByTestId('toast').filter({ hasText: 'connected to i2i' })).toBeVisible();
    await expect(edges(page)).toHaveCount(4);
    const maskNode = node(page, 'load-image-1');
    const maskUuid = await maskNode.getByTestId('source-text').inputValue();
    expect(maskUuid).toMatch(uuidRe);

    await page.getByTestId('run').click();
    await expect(node(page, 's1').locator('.mnode')).toHaveAttribute('data-status', /done|cached/, {
      timeout: 60_000,
    });
    await shot(page, '63-inpaint-ran');

    // The result in the gallery: its lineage lists the init image and the mask.
    await page.getByTestId('tab-gallery').click();
    await expect(page.getByTestId('gallery')).toBeVisible();
    const newest = page.getByTestId('gallery-tile').first();
    await expect(newest).toBeVisible();
    await newest.click();
    const lin = page.getByTestId('lineage');
    await expect(lin.getByTestId('lineage-node')).toHaveCount(2);
    const made = await lin
      .getByTestId('lineage-node')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-uuid')));
    expect(made.sort()).toEqual([picked, maskUuid].sort());
    await shot(page, '64-inpaint-lineage');
  });
});
