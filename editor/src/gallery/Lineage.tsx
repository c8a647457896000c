/**
 * The lineage view: the saved images this one was made from (by depth, nearest first) on the
 * left, the image itself, the images made from it on the right. Clicking one jumps to it.
 */
import type { Detail, LineageEntry } from './api';
import { thumbUrl } from './api';

function Column({
  title,
  entries,
  onJump,
}: {
  title: string;
  entries: LineageEntry[];
  onJump: (uuid: string) => void;
}) {
  const byDepth = new Map<number, LineageEntry[]>();
  for (const e of entries) byDepth.set(e.depth, [...(byDepth.get(e.depth) ?? []), e]);
  return (
    <div className="gal-lin-col">
      <div className="muted">{title}</div>
      {entries.length === 0 && <div className="muted">none</div>}
      {[...byDepth.entries()].slice(0, 8).map(([depth, list]) => (
        <div key={depth} className="gal-lin-level">
          {list.slice(0, 12).map((e) => (
            <button
              key={e.uuid}
              className="gal-lin-node"
              title={e.prompt ?? ''}
              onClick={() => onJump(e.uuid)}
              data-testid="lineage-node"
              data-uuid={e.uuid}
            >
              <img src={thumbUrl(e.uuid)} alt="" />
            </button>
          ))}
        </div>
      ))}
    </div>
  );
}

export function Lineage({ d, onJump }: { d: Detail; onJump: (uuid: string) => void }) {
  return (
    <div className="gal-lineage" data-testid="lineage">
      <Column
        title={`Made from (${d.lineage.ancestors.length})`}
        entries={d.lineage.ancestors}
        onJump={onJump}
      />
      <div className="gal-lin-self">
        <img src={thumbUrl(d.uuid)} alt="this image" />
      </div>
      <Column
        title={`Used by (${d.lineage.descendants.length})`}
        entries={d.lineage.descendants}
        onJump={onJump}
      />
    </div>
  );
}
