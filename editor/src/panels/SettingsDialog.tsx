/**
 * The Settings panel (issue 15 §7): the settings people change, read from and written to
 * config.json through GET/PUT /api/settings (validated by the runtime's own config schema, written
 * atomically). Where an environment variable overrides a setting, the field says so — the
 * environment wins. The VRAM budget and reserve apply at once, the rest at the next start. The
 * theme (system / light / dark) is this browser's choice.
 */
import { useEffect, useState } from 'react';
import { create } from 'zustand';
import { ApiError, json, request } from '../api/client';
import { toast } from '../state/toasts';
import { setTheme, useTheme, type ThemeChoice } from './theme';
import './theme.css';

interface SettingsAnswer {
  file: string;
  settings: Record<string, any>;
  overriddenBy: Record<string, string>;
  effective: Record<string, any>;
}

/** Whether the dialog is open (the toolbar's ⚙ button). */
export const useSettingsOpen = create<{ open: boolean }>(() => ({ open: false }));

type Form = Record<string, string>;

const FIELDS: {
  key: string;
  label: string;
  kind: 'text' | 'number' | 'lines' | 'json';
  group: string;
}[] = [
  {
    key: 'models',
    label: 'Model folders (one per line)',
    kind: 'lines',
    group: 'Models and engines',
  },
  {
    key: 'sdCppBin',
    label: 'sd.cpp binary (SD_CPP_BIN)',
    kind: 'text',
    group: 'Models and engines',
  },
  { key: 'sd.serverBin', label: 'sd-server binary', kind: 'text', group: 'Models and engines' },
  { key: 'vram.budgetMb', label: 'VRAM budget (MB)', kind: 'number', group: 'Memory' },
  { key: 'vram.reserveMb', label: 'VRAM reserve (MB)', kind: 'number', group: 'Memory' },
  { key: 'sd.idleUnloadS', label: 'Idle unload (s, 0 = never)', kind: 'number', group: 'Memory' },
  { key: 'threads.sd', label: 'Threads: sd.cpp', kind: 'number', group: 'Threads' },
  { key: 'threads.llm', label: 'Threads: LLM', kind: 'number', group: 'Threads' },
  { key: 'autoTag.model', label: 'Auto-tag model', kind: 'text', group: 'LLM' },
  { key: 'llm', label: 'LLM prompts and tag taxonomy (JSON)', kind: 'json', group: 'LLM' },
];

const get = (o: Record<string, any>, key: string) =>
  key.split('.').reduce<any>((v, k) => (v && typeof v === 'object' ? v[k] : undefined), o);

function toForm(settings: Record<string, any>): Form {
  const f: Form = {};
  for (const { key, kind } of FIELDS) {
    const v = get(settings, key);
    f[key] =
      v === undefined || v === null
        ? ''
        : kind === 'lines'
          ? (v as string[]).join('\n')
          : kind === 'json'
            ? JSON.stringify(v, null, 2)
            : String(v);
  }
  return f;
}

/** The PUT body: every field, empty = null (cleared). @throws Error on invalid JSON / numbers */
function toPatch(f: Form): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const { key, kind, label } of FIELDS) {
    const raw = f[key]!.trim();
    let v: unknown = null;
    if (raw) {
      if (kind === 'number') {
        v = Number(raw);
        if (!Number.isFinite(v)) throw new Error(`${label}: not a number`);
      } else if (kind === 'lines')
        v = raw
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean);
      else if (kind === 'json') {
        try {
          v = JSON.parse(raw);
        } catch {
          throw new Error(`${label}: not valid JSON`);
        }
      } else v = raw;
    }
    const path = key.split('.');
    if (path.length === 1) out[key] = v;
    else (out[path[0]!] ??= {})[path[1]!] = v;
  }
  return out;
}

export function SettingsDialog() {
  const open = useSettingsOpen((s) => s.open);
  const theme = useTheme((s) => s.choice);
  const [data, setData] = useState<SettingsAnswer | null>(null);
  const [form, setForm] = useState<Form>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!open) return;
    setError(null);
    request<SettingsAnswer>('/api/settings').then(
      (d) => {
        setData(d);
        setForm(toForm(d.settings));
      },
      (e: Error) => setError(e.message),
    );
  }, [open]);
  if (!open) return null;
  const close = () => useSettingsOpen.setState({ open: false });
  const save = async () => {
    try {
      const d = await request<SettingsAnswer>('/api/settings', json('PUT', toPatch(form)));
      setData(d);
      setForm(toForm(d.settings));
      setError(null);
      toast('Settings saved to config.json', 'success', 2500);
    } catch (e) {
      setError(e instanceof ApiError || e instanceof Error ? e.message : String(e));
    }
  };
  let group = '';
  return (
    <div className="overlay" onClick={close}>
      <div className="dialog" onClick={(e) => e.stopPropagation()} data-testid="settings">
        <h2>Settings</h2>
        {data && <p className="muted">Saved in {data.file}</p>}
        <div className="settings-form">
          <h3>Appearance</h3>
          <label htmlFor="set-theme">Theme</label>
          <select
            id="set-theme"
            value={theme}
            data-testid="setting-theme"
            onChange={(e) => setTheme(e.target.value as ThemeChoice)}
          >
            <option value="system">System preference</option>
            <option value="dark">Dark</option>
            <option value="light">Light</option>
          </select>
          {FIELDS.map((f) => {
            const head = f.group !== group ? <h3 key={`g-${f.group}`}>{f.group}</h3> : null;
            group = f.group;
            const env = data?.overriddenBy[f.key];
            const id = `set-${f.key}`;
            const common = {
              id,
              value: form[f.key] ?? '',
              'data-testid': `setting-${f.key}`,
              onChange: (e: { target: { value: string } }) =>
                setForm((x) => ({ ...x, [f.key]: e.target.value })),
            };
            return [
              head,
              <label key={`l-${f.key}`} htmlFor={id}>
                {f.label}
              </label>,
              f.kind === 'lines' || f.kind === 'json' ? (
                <textarea key={f.key} {...common} />
              ) : (
                <input key={f.key} type={f.kind === 'number' ? 'number' : 'text'} {...common} />
              ),
              env ? (
                <span key={`n-${f.key}`} className="note" data-testid={`override-${f.key}`}>
                  The environment variable {env} is set and overrides this setting (now:{' '}
                  {JSON.stringify(get(data!.effective, f.key) ?? null)}).
                </span>
              ) : null,
            ];
          })}
        </div>
        {error && (
          <p className="run-detail-error" data-testid="settings-error">
            {error}
          </p>
        )}
        <p className="muted">
          The VRAM budget and reserve apply at once; the rest when the studio restarts.
        </p>
        <div className="settings-actions">
          <button className="run" data-testid="settings-save" onClick={() => void save()}>
            Save
          </button>
          <button onClick={close}>Close</button>
        </div>
      </div>
    </div>
  );
}
