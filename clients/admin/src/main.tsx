import { ApolloProvider } from '@apollo/client/react';
import { createFrontRowClient } from '@frontrow/sdk';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router/dom';
import { SdkContext, SESSION_KEY, type AppConfig } from './app/context';
import { router } from './app/routes';
import './app/app.css';

/** A session handed over in the URL (`#token=…`): kept, then removed from the address. */
function takeHandedOverToken(sdk: ReturnType<typeof createFrontRowClient>): void {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) return;
  if (sdk.session.current?.accessToken !== token) sdk.session.set({ accessToken: token });
  history.replaceState(history.state, '', location.pathname + location.search);
}

async function main(): Promise<void> {
  const inline = document.getElementById('frontrow-config')?.textContent;
  const config = (inline ? JSON.parse(inline) : await (await fetch('/config.json')).json()) as AppConfig;
  // A key of its own: signing in here does not sign the same browser in or out of the fan's portal.
  const sdk = createFrontRowClient({ url: config.gatewayUrl, storage: window.localStorage, storageKey: SESSION_KEY });
  takeHandedOverToken(sdk);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <SdkContext.Provider value={{ sdk, config }}>
        <ApolloProvider client={sdk.apollo}>
          <RouterProvider router={router} />
        </ApolloProvider>
      </SdkContext.Provider>
    </StrictMode>,
  );
}

main().catch(() => {
  document.getElementById('root')!.innerHTML =
    '<main><h1>FrontRow Admin</h1><p role="alert">The dashboard could not start. Check your connection and reload the page.</p></main>';
});
