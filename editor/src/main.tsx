import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { App } from './App';
import { dropConnection } from './api/events';

// A tiny debugging surface (also used by the e2e reconnect test).
(window as unknown as { mysti: object }).mysti = { dropEvents: dropConnection };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
