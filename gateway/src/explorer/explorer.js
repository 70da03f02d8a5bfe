/* global React, ReactDOM, GraphiQL */
(function () {
  // The explorer works anonymously (the schema loads, sign-up works) and signs in with
  // the form above it: the session's access token is added to every request unless the
  // Headers tab sets its own Authorization or x-api-key.
  var KEY = 'frontrow.explorer.session';
  var session = null;
  try {
    session = JSON.parse(window.sessionStorage.getItem(KEY) || 'null');
  } catch (e) {
    session = null;
  }
  var endpoint = window.location.origin + '/graphql';
  var base = GraphiQL.createFetcher({ url: endpoint });

  function hasCredentials(headers) {
    return Object.keys(headers || {}).some(function (name) {
      var n = name.toLowerCase();
      return n === 'authorization' || n === 'x-api-key';
    });
  }

  function fetcher(params, options) {
    var headers = Object.assign({}, options && options.headers);
    if (session && session.accessToken && !hasCredentials(headers)) headers.Authorization = 'Bearer ' + session.accessToken;
    return base(params, Object.assign({}, options, { headers: headers }));
  }

  var form = document.getElementById('fr-signin');
  var status = document.getElementById('fr-session');
  var signOut = document.getElementById('fr-signout');
  var message = document.getElementById('fr-message');

  function show() {
    var signedIn = Boolean(session && session.accessToken);
    form.hidden = signedIn;
    signOut.hidden = !signedIn;
    status.textContent = signedIn ? 'Signed in as ' + session.displayName + ' (' + session.roles.join(', ') + ')' : 'Anonymous';
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    message.textContent = '';
    var data = new FormData(form);
    fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation ExplorerSignIn($i: SignInInput!) { signIn(input: $i) { accessToken user { displayName roles } } }',
        variables: { i: { email: String(data.get('email')), password: String(data.get('password')) } },
      }),
    })
      .then(function (res) {
        return res.json();
      })
      .then(function (body) {
        if (!body.data || !body.data.signIn) {
          message.textContent = (body.errors && body.errors[0] && body.errors[0].message) || 'Could not sign in.';
          return;
        }
        var s = body.data.signIn;
        session = { accessToken: s.accessToken, displayName: s.user.displayName, roles: s.user.roles };
        window.sessionStorage.setItem(KEY, JSON.stringify(session));
        form.reset();
        show();
      })
      .catch(function () {
        message.textContent = 'The gateway did not answer.';
      });
  });

  signOut.addEventListener('click', function () {
    session = null;
    window.sessionStorage.removeItem(KEY);
    show();
  });
  show();

  var example = [
    '# Welcome to the FrontRow API.',
    '# Sign in above (or put an API key in Headers: {"x-api-key": "fr_..."}), then ask for yourself:',
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
      defaultHeaders: '{}',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    }),
  );
  window.__explorerReady = true;
})();
