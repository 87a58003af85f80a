import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider } from './api/api-context.js';
import { createApi } from './api/create-api.js';
import { App } from './app/App.js';
import { NoTokenScreen } from './app/NoTokenScreen.js';
import { createQueryClient } from './app/query-client.js';
import { applyStoredTheme } from './app/theme.js';
import './styles.css';

applyStoredTheme();

const container = document.getElementById('root');
if (!container) throw new Error('index.html lacks #root');
const root = createRoot(container);
const setup = createApi();

if (!setup.ok) {
  root.render(
    <StrictMode>
      <NoTokenScreen />
    </StrictMode>,
  );
} else {
  const queryClient = createQueryClient();
  root.render(
    <StrictMode>
      <ApiProvider api={setup.api}>
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </ApiProvider>
    </StrictMode>,
  );
}
