import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { App } from './App';
import { dropConnection } from './api/events';
import { installProfileHooks } from './dev/profile';
import { openDoc } from './graph/io';
import { autoArrange } from './layout/layout';
import { installTheme } from './panels/theme';

// A tiny debugging surface (also used by the e2e reconnect test).
(window as unknown as { mysti: object }).mysti = { dropEvents: dropConnection };
// Measurement hooks for the editor benchmark; only with ?profile in the URL.
installProfileHooks({ open: (doc) => openDoc(doc), arrange: autoArrange });

installTheme();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
