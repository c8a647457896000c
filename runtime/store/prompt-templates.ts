/**
 * Prompt templates / styles (`prompt_templates`): a named prompt where `{prompt}` stands for the
 * user's text, plus an optional negative prompt. The prompt node applies one with {@link applyTemplate}.
 */
import type { Db } from './db';
import { UserError } from '../errors';

export interface PromptTemplate {
  id: number;
  name: string;
  category: string | null;
  prompt: string;
  negativePrompt: string | null;
  createdAt: number;
  updatedAt: number;
}

export type TemplateInput = {
  name: string;
  category?: string | null;
  prompt: string;
  negativePrompt?: string | null;
};

interface Raw {
  id: number;
  name: string;
  category: string | null;
  prompt: string;
  negative_prompt: string | null;
  created_at: number;
  updated_at: number;
}
const toTemplate = (r: Raw): PromptTemplate => ({
  id: r.id,
  name: r.name,
  category: r.category,
  prompt: r.prompt,
  negativePrompt: r.negative_prompt,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/**
 * Fills a template: every `{prompt}` becomes `text`; a template without the placeholder is
 * appended after the text with ", " (how A1111 styles behave).
 */
export function applyTemplate(
  t: Pick<PromptTemplate, 'prompt' | 'negativePrompt'>,
  text: string,
  negative = '',
): { prompt: string; negativePrompt: string } {
  const prompt = t.prompt.includes('{prompt}')
    ? t.prompt.split('{prompt}').join(text)
    : [text, t.prompt].filter(Boolean).join(', ');
  const negativePrompt = [negative, t.negativePrompt ?? ''].filter(Boolean).join(', ');
  return { prompt, negativePrompt };
}

export class PromptTemplateStore {
  private readonly s;
  constructor(db: Db) {
    this.s = {
      list: db.prepare<[], Raw>(
        'SELECT * FROM prompt_templates ORDER BY category, name COLLATE NOCASE',
      ),
      get: db.prepare<[number], Raw>('SELECT * FROM prompt_templates WHERE id = ?'),
      insert: db.prepare(
        'INSERT INTO prompt_templates (name, category, prompt, negative_prompt, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      update: db.prepare(
        'UPDATE prompt_templates SET name = ?, category = ?, prompt = ?, negative_prompt = ?, updated_at = ? WHERE id = ?',
      ),
      del: db.prepare('DELETE FROM prompt_templates WHERE id = ?'),
    };
  }

  list(): PromptTemplate[] {
    return this.s.list.all().map(toTemplate);
  }

  get(id: number): PromptTemplate | undefined {
    const r = this.s.get.get(id);
    return r ? toTemplate(r) : undefined;
  }

  /** @throws UserError TEMPLATE_EXISTS (409) on a duplicate name */
  create(t: TemplateInput, now = Date.now()): PromptTemplate {
    return this.unique(t.name, () =>
      this.get(
        Number(
          this.s.insert.run(
            t.name.trim(),
            t.category ?? null,
            t.prompt,
            t.negativePrompt ?? null,
            now,
            now,
          ).lastInsertRowid,
        ),
      )!,
    );
  }

  /** @throws UserError NOT_FOUND (404), TEMPLATE_EXISTS (409) */
  update(id: number, patch: Partial<TemplateInput>, now = Date.now()): PromptTemplate {
    const cur = this.get(id);
    if (!cur) throw new UserError('NOT_FOUND', `no prompt template ${id}`, undefined, 404);
    const n = {
      ...cur,
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
    } as PromptTemplate;
    return this.unique(
      n.name,
      () => (
        this.s.update.run(
          n.name.trim(),
          n.category ?? null,
          n.prompt,
          n.negativePrompt ?? null,
          now,
          id,
        ),
        this.get(id)!
      ),
    );
  }

  delete(id: number): boolean {
    return this.s.del.run(id).changes > 0;
  }

  private unique<T>(name: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new UserError(
          'TEMPLATE_EXISTS',
          `a prompt template named “${name}” exists`,
          undefined,
          409,
        );
      throw err;
    }
  }
}
