// A real OpenID provider (npm's oidc-provider) on loopback for Masthead's tests
// (crates/web/tests/web/oidc). Listens on a free port, prints `listening PORT`, and serves
// issuer http://127.0.0.1:PORT with:
// - client `masthead` / secret `masthead-secret` (code flow, PKCE; any redirect URI on
//   loopback, since each test's app has a port of its own) and client `other-site`;
// - accounts, chosen by typing their id into the dev login form (any password):
//   `alice` (email verified, boolean true), `bob` (email_verified false), `carol` (no
//   email_verified), `dave` (email_verified the string "true"); each `<id>@example.org`
//   unless EMAIL_<ID> names another address.
import http from 'node:http';
import Provider from 'oidc-provider';

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const verified = { alice: true, bob: false, carol: undefined, dave: 'true' };
function claimsOf(id) {
  const email = process.env[`EMAIL_${id.toUpperCase()}`] || `${id}@example.org`;
  const claims = { sub: id, email, name: id };
  if (id in verified) {
    if (verified[id] !== undefined) claims.email_verified = verified[id];
  } else {
    claims.email_verified = true;
  }
  return claims;
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'masthead',
      client_secret: 'masthead-secret',
      redirect_uris: ['http://127.0.0.1/sign-in/oidc/test/callback'],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
    {
      client_id: 'other-site',
      client_secret: 'other-secret',
      redirect_uris: ['http://127.0.0.1/sign-in/oidc/test/callback'],
      response_types: ['code'],
      grant_types: ['authorization_code'],
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // ID tokens carry the claims themselves (Masthead reads no userinfo endpoint).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => claimsOf(id),
  }),
  cookies: { keys: ['masthead-test-cookie-key'] },
});
// Each test's app listens on a port of its own: any loopback redirect URI is allowed.
provider.Client.prototype.redirectUriAllowed = (uri) => {
  try {
    const u = new URL(uri);
    return u.hostname === '127.0.0.1' && u.pathname.startsWith('/sign-in/oidc/');
  } catch {
    return false;
  }
};
server.on('request', provider.callback());
console.log(`listening ${port}`);
