/**
 * Side-by-side comparison of two images: both pictures and a parameter table with the rows that
 * differ marked (SmartGallery's A/B compare, anchors-mission.md §2.9).
 */
import { useEffect, useState } from 'react';
import { galleryApi, imageUrl, type Detail } from './api';
import { paramRows } from './MetaPanel';
import { useGallery } from './state';

export function Compare({ pair }: { pair: [string, string] }) {
  const [a, setA] = useState<Detail | null>(null);
  const [b, setB] = useState<Detail | null>(null);
  useEffect(() => {
    void galleryApi.detail(pair[0]).then(setA);
    void galleryApi.detail(pair[1]).then(setB);
  }, [pair[0], pair[1]]);
  const ra = new Map(
    a ? [['Prompt', a.prompt ?? ''], ['Negative', a.negativePrompt ?? ''], ...paramRows(a)] : [],
  );
  const rb = new Map(
    b ? [['Prompt', b.prompt ?? ''], ['Negative', b.negativePrompt ?? ''], ...paramRows(b)] : [],
  );
  const keys = [...new Set([...ra.keys(), ...rb.keys()])];
  return (
    <div
      className="gal-compare"
      data-testid="compare"
      role="dialog"
      aria-label="Compare two images"
    >
      <div className="gal-lb-bar">
        <strong>Compare</strong>
        <span className="grow" />
        <button onClick={() => useGallery.setState({ compare: null })} aria-label="Close">
          ✕
        </button>
      </div>
      {/* The pictures sit over their table columns (same grid widths), so A and B line up. */}
      <div className="gal-cmp-images">
        <span />
        <figure>
          <img src={imageUrl(pair[0])} alt="A" />
          <figcaption>A</figcaption>
        </figure>
        <figure>
          <img src={imageUrl(pair[1])} alt="B" />
          <figcaption>B</figcaption>
        </figure>
      </div>
      <table className="gal-params gal-cmp-table">
        <colgroup>
          <col className="k" />
          <col />
          <col />
        </colgroup>
        <tbody>
          {keys.map((k) => (
            <tr
              key={k}
              className={ra.get(k) !== rb.get(k) ? 'diff' : ''}
              data-testid={ra.get(k) !== rb.get(k) ? 'compare-diff' : undefined}
            >
              <th>{k}</th>
              <td>{ra.get(k) || '—'}</td>
              <td>{rb.get(k) || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
