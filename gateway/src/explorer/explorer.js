/* global React, ReactDOM, GraphiQL */
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
  var example = [
    '# Welcome to the FrontRow API.',
    '# Sign in (or use an API key in Headers), then ask for yourself:',
    'query Me {',
    '  me { id displayName email roles }',
    '}',
    '',
  ].join('\n');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: example,
      defaultHeaders: '{\n  "Authorization": "Bearer <paste an access token>"\n}',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: 'headers',
    }),
  );
  window.__explorerReady = true;
})();
