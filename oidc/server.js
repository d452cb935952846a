// A real OpenID Connect provider (the npm package oidc-provider) for Casusregie's single
// sign-on tests. NOT for production: fixed test accounts, keys made at start-up, memory storage.
//
//   node oidc/server.js            listens on a free loopback port
//   PORT=9000 node oidc/server.js  listens on port 9000
//
// It prints one line `{"issuer": "http://127.0.0.1:<port>"}` when it is ready, then serves
// until killed. Settings (environment): CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (space
// separated). The accounts below match the test cast in src/casusregie/conftest.py.
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { URLSearchParams } from 'node:url';

import Provider from 'oidc-provider';

const CLIENT_ID = process.env.CLIENT_ID || 'casusregie';
const CLIENT_SECRET = process.env.CLIENT_SECRET || 'casusregie-test-secret';
const REDIRECT_URIS = (process.env.REDIRECT_URIS || 'http://testserver/inloggen/sso/terug/')
  .split(' ')
  .filter(Boolean);

// amr: what the provider says it checked at login (RFC 8176). "mfa" counts as two-factor.
const ACCOUNTS = {
  'arie': { email: 'a@test.invalid', verified: true, password: 'provider-wachtwoord', amr: ['pwd', 'otp', 'mfa'] },
  'bea': { email: 'b@test.invalid', verified: true, password: 'provider-wachtwoord', amr: ['pwd'] },
  'cor': { email: 'c@test.invalid', verified: true, password: 'provider-wachtwoord', amr: ['pwd', 'otp', 'mfa'] },
  'tineke': { email: 'toegang@test.invalid', verified: false, password: 'provider-wachtwoord', amr: ['pwd', 'otp', 'mfa'] },
  'vreemd': { email: 'onbekend@elders.invalid', verified: true, password: 'provider-wachtwoord', amr: ['pwd', 'otp', 'mfa'] },
};

function accountByEmail(email) {
  const wanted = String(email || '').trim().toLowerCase();
  return Object.entries(ACCOUNTS).find(([, account]) => account.email === wanted);
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider</title></head>
<body><h1>Test identity provider</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">E-mail</label> <input id="email" name="email" autocomplete="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Log in</button></form>
<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Cancel</button></form>
</body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function configuration() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };
  return {
    clients: [{
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: REDIRECT_URIS,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    }],
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    // amr in userinfo too (with the profile scope), so a bearer token can show the login used
    // two factors.
    claims: {
      acr: null, amr: null, auth_time: null, iss: null, sid: null,
      openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'amr'],
    },
    scopes: ['openid', 'email', 'profile'],
    // Casusregie asks for amr in the ID token with the claims parameter (OIDC Core 5.5).
    features: { devInteractions: { enabled: false }, claimsParameter: { enabled: true } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const account = ACCOUNTS[sub];
      if (!account) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub, email: account.email, email_verified: account.verified, name: sub, amr: account.amr,
          };
        },
      };
    },
    // First-party client: no consent screen; the grant covers what the client asks.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'name', 'amr']);
      await grant.save();
      return grant;
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  };
}

async function interaction(provider, req, res) {
  const [, , uid, step] = req.url.split('?')[0].split('/');
  try {
    if (req.method === 'GET' && !step) {
      await provider.interactionDetails(req, res);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(loginPage(uid));
      return;
    }
    if (req.method === 'POST' && step === 'login') {
      const form = await readForm(req);
      const found = accountByEmail(form.get('email'));
      if (!found || found[1].password !== form.get('password')) {
        res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
        res.end(loginPage(uid, 'Unknown e-mail address or wrong password.'));
        return;
      }
      const [accountId, account] = found;
      await provider.interactionFinished(req, res, { login: { accountId, amr: account.amr } }, {
        mergeWithLastSubmission: false,
      });
      return;
    }
    if (req.method === 'POST' && step === 'abort') {
      await provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(404).end();
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(err.message || err));
  }
}

const server = http.createServer();
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  const handler = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/interaction/')) {
      interaction(provider, req, res);
    } else {
      handler(req, res);
    }
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
