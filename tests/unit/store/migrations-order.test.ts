/**
 * Migrations are keyed on PRAGMA user_version, so a file numbered below one that databases have
 * already applied would be skipped by them forever. This pins the released order: a new file must
 * come after the last one listed here (then add it to the list).
 */
import { describe, expect, it } from 'vitest';
import { listMigrations } from '../../../runtime/store/db';

const RELEASED = [
  '0001_init.sql',
  '0010_presets.sql',
  '0020_gallery.sql',
  '0040_models.sql',
  '0050_gallery_speed.sql',
  '0070_semantic.sql',
  '0071_tag_aliases.sql',
  '0130_tag_text_search.sql',
  '0150_run_resume.sql',
  '0151_run_cleared.sql',
  '0152_run_force.sql',
  '0153_workflow_library.sql',
  '0160_assistant.sql',
  '0199_run_current_node.sql',
];

describe('migration order', () => {
  it('keeps every released migration in place and numbers new ones above the last released', () => {
    const names = listMigrations().map((m) => m.name);
    expect(names.slice(0, RELEASED.length)).toEqual(RELEASED);
    const last = Number(RELEASED.at(-1)!.slice(0, 4));
    for (const extra of names.slice(RELEASED.length))
      expect(Number(extra.slice(0, 4))).toBeGreaterThan(last);
    expect(new Set(names.map((n) => n.slice(0, 4))).size).toBe(names.length); // no two files share a number
  });
});
