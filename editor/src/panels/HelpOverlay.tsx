import { useUi } from '../state/ui';
import { SHORTCUTS } from '../keyboard';

export function HelpOverlay() {
  const open = useUi((s) => s.help);
  if (!open) return null;
  const close = () => useUi.setState({ help: false });
  return (
    <div className="overlay" onClick={close} data-testid="help">
      <div className="dialog" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted">
          Drop a workflow .json or a PNG with an embedded workflow anywhere on the canvas to open
          it.
        </p>
        <button onClick={close}>Close</button>
      </div>
    </div>
  );
}
