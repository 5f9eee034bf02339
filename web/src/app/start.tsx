import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { router } from './routes';

const render = () =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );

// The first render waits for the opened page's code (index.html says "loading" until then): rendering before
// it would draw a placeholder with Ant Design only to draw the page again straight after, and on a counter PC
// that first draw costs a tenth of a second.
if (router.state.initialized) render();
else {
  const stop = router.subscribe((state) => {
    if (!state.initialized) return;
    stop();
    render();
  });
}
