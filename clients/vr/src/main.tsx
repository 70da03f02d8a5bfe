import { ApolloProvider } from '@apollo/client/react';
import { createFrontRowClient } from '@frontrow/sdk';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { VrContext, type VrConfig } from './app/context';
import { router } from './app/routes';
import './app/app.css';

/** A session handed over in the URL (`#token=…`, as the live-360 test does): kept, then removed from the address. */
function takeHandedOverToken(sdk: ReturnType<typeof createFrontRowClient>): void {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) return;
  if (sdk.session.current?.accessToken !== token) sdk.session.set({ accessToken: token });
  history.replaceState(history.state, '', location.pathname + location.search);
}

async function main(): Promise<void> {
  const inline = document.getElementById('frontrow-config')?.textContent;
  const config = (inline ? JSON.parse(inline) : await (await fetch('/config.json')).json()) as VrConfig;
  const sdk = createFrontRowClient({ url: config.gatewayUrl, storage: window.localStorage });
  takeHandedOverToken(sdk);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <VrContext.Provider value={{ sdk, config }}>
        <ApolloProvider client={sdk.apollo}>
          <RouterProvider router={router} />
        </ApolloProvider>
      </VrContext.Provider>
    </StrictMode>,
  );
}

main().catch(() => {
  document.getElementById('root')!.innerHTML = '<main><h1>FrontRow VR</h1><p role="alert">FrontRow could not start. Check the connection and reload.</p></main>';
});
