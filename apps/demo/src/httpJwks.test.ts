import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { silentLogger } from '@agentstate/logger';
import { createStatePersistence } from '@agentstate/state-persistence';
import { parseAuthConfig } from './auth/config';
import { loadJose, type Jose } from './auth/jose';
import { createTokenVerifier } from './auth/verify';
import { startApiServer, type RunningServer } from './server';
import { call, errorBody, unique } from './testing/http';
import { algNoneToken, bearer, TEST_SECRET } from './testing/tokens';

// AUTH_JWKS_URL end to end: an identity provider's key set served over HTTP by a tiny local server,
// RS256 and ES256 tokens signed with its private keys, verified by the API through createRemoteJWKSet.

type KeyPair = Awaited<ReturnType<Jose['generateKeyPair']>>;

interface JwksServer {
  url: string;
  /** requests served so far */
  hits: () => number;
  close: () => Promise<void>;
}

/** Serves `body` at /jwks.json with `status`; `hang` never answers (for the timeout). */
async function serveJwks(body: unknown, options: { status?: number; hang?: boolean } = {}): Promise<JwksServer> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    if (options.hang) return; // let the client time out
    res.writeHead(options.status ?? 200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describeEachDatabase('HTTP API with AUTH_JWKS_URL', (db) => {
  let jose: Jose;
  let rsa: KeyPair;
  let ec: KeyPair;
  let impostor: KeyPair; // an RSA key the identity provider never published
  let jwks: JwksServer;
  let api: RunningServer;
  const servers: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    jose = await loadJose();
    [rsa, ec, impostor] = await Promise.all([jose.generateKeyPair('RS256'), jose.generateKeyPair('ES256'), jose.generateKeyPair('RS256')]);
    const keys = [
      { ...(await jose.exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await jose.exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = await serveJwks({ keys });
    api = await start({ AUTH_JWKS_URL: jwks.url, AUTH_JWT_ISSUER: 'https://id.test/', AUTH_JWT_AUDIENCE: 'agent-state' });
  });
  afterAll(async () => {
    await Promise.all([...servers, jwks].map((s) => s?.close()));
  });

  async function start(env: Record<string, string>, jwksTimeoutMs?: number): Promise<RunningServer> {
    const service = createStatePersistence({ prisma: db().prisma, environment: 'development', logger: silentLogger });
    const auth = await createTokenVerifier(parseAuthConfig(env), jwksTimeoutMs !== undefined ? { jwksTimeoutMs } : {});
    const running = await startApiServer({ service, auth });
    servers.push(running);
    return running;
  }

  const now = () => Math.floor(Date.now() / 1000);

  async function sign(key: KeyPair['privateKey'] | Uint8Array, header: { alg: string; kid?: string }, sub: string, claims: Record<string, unknown> = {}): Promise<string> {
    return new jose.SignJWT({ iss: 'https://id.test/', aud: 'agent-state', ...claims })
      .setProtectedHeader(header)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime(typeof claims.exp === 'number' ? claims.exp : now() + 600)
      .sign(key);
  }

  it('accepts RS256 and ES256 tokens signed by the published keys', async () => {
    const userId = unique('dev-temp-');
    const rs = bearer(await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }, userId));
    const es = bearer(await sign(ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, userId));
    expect(await call(api.url, 'POST', `/users/${userId}/snapshots`, { threadId: 't', runId: 'r', state: { via: 'rs256' } }, rs)).toMatchObject({ status: 201 });
    expect(await call(api.url, 'POST', `/users/${userId}/snapshots`, { threadId: 't', runId: 'r', state: { via: 'es256' } }, es)).toMatchObject({ status: 201 });
    const page = await call(api.url, 'GET', `/users/${userId}/snapshots`, undefined, es);
    expect(page.status).toBe(200);
    expect((page.json as { items: Array<{ state: unknown }> }).items.map((s) => s.state)).toEqual([{ via: 'es256' }, { via: 'rs256' }]);
    // A key without kid is found by its algorithm too (one key of each type).
    expect(await call(api.url, 'GET', `/users/${userId}/snapshots`, undefined, bearer(await sign(rsa.privateKey, { alg: 'RS256' }, userId)))).toMatchObject({ status: 200 });
  });

  it('refuses forged, confused, expired and mis-addressed tokens with 401, another user with 403; nothing written', async () => {
    const victim = unique('dev-temp-victim-');
    const attacker = unique('dev-temp-attacker-');
    const before = await countAllRows(db().prisma);
    const hitsBefore = jwks.hits();
    const publicPem = new TextEncoder().encode(await jose.exportSPKI(rsa.publicKey));
    const NOT_ACCEPTED = 'The token algorithm is not accepted.';
    const attempts: Array<[string, string, number, string, unknown]> = [
      ['unpublished key, published kid', await sign(impostor.privateKey, { alg: 'RS256', kid: 'rsa-1' }, victim), 401, 'INVALID_TOKEN', 'The token signature is not valid.'],
      ['unknown kid', await sign(impostor.privateKey, { alg: 'RS256', kid: 'rsa-2' }, victim), 401, 'INVALID_TOKEN', 'The token was not signed by a known key.'],
      ['alg none', algNoneToken(victim), 401, 'INVALID_TOKEN', NOT_ACCEPTED],
      ['HS256 with the public key as secret', await sign(publicPem, { alg: 'HS256', kid: 'rsa-1' }, victim), 401, 'INVALID_TOKEN', NOT_ACCEPTED],
      ['HS256 with the test secret', await sign(new TextEncoder().encode(TEST_SECRET), { alg: 'HS256' }, victim), 401, 'INVALID_TOKEN', NOT_ACCEPTED],
      ['expired', await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }, victim, { exp: now() - 60 }), 401, 'INVALID_TOKEN', 'The token has expired.'],
      ['another audience', await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }, victim, { aud: 'another-app' }), 401, 'INVALID_TOKEN', 'The token\'s "aud" claim is missing or not accepted.'],
      ['another issuer', await sign(ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, victim, { iss: 'https://evil.test/' }), 401, 'INVALID_TOKEN', 'The token\'s "iss" claim is missing or not accepted.'],
      ['ES256 token naming the RSA key', await sign(ec.privateKey, { alg: 'ES256', kid: 'rsa-1' }, victim), 401, 'INVALID_TOKEN', 'The token was not signed by a known key.'],
      ["another user's valid token", await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }, attacker), 403, 'FORBIDDEN', expect.any(String)],
    ];
    for (const [label, token, status, code, message] of attempts) {
      const res = await call(api.url, 'POST', `/users/${victim}/snapshots`, { threadId: 't', runId: 'r', state: {} }, bearer(token));
      expect([label, res.status, res.json]).toEqual([label, status, errorBody(code, message)]);
    }
    expect(await countAllRows(db().prisma)).toEqual(before);
    // The key set was fetched once (first test) and then for the unknown kid at most; alg none and HS256 never reach it.
    expect(jwks.hits() - hitsBefore).toBeLessThanOrEqual(1);
  });

  it('answers 503 AUTH_UNAVAILABLE (Retry-After) when the key set cannot be fetched, and writes nothing', async () => {
    const userId = unique('dev-temp-');
    const token = bearer(await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }, userId));
    const down = await serveJwks({});
    const downUrl = down.url;
    await down.close(); // nothing listens there any more
    const failing = await serveJwks({ error: 'boom' }, { status: 500 });
    const garbage = await serveJwks({ keys: 'not a list' });
    const hanging = await serveJwks({}, { hang: true });
    servers.push(failing, garbage, hanging);
    const before = await countAllRows(db().prisma);
    for (const [url, timeout] of [[downUrl, undefined], [failing.url, undefined], [garbage.url, undefined], [hanging.url, 200]] as const) {
      const server = await start({ AUTH_JWKS_URL: url, AUTH_JWT_ISSUER: 'https://id.test/', AUTH_JWT_AUDIENCE: 'agent-state' }, timeout);
      const res = await call(server.url, 'POST', `/users/${userId}/snapshots`, { threadId: 't', runId: 'r', state: {} }, token);
      expect([url, res.status, res.headers.get('retry-after'), res.json]).toEqual([url, 503, '5', errorBody('AUTH_UNAVAILABLE', 'The keys to verify the token could not be fetched; retry later.')]);
    }
    expect(await countAllRows(db().prisma)).toEqual(before);
  });
});
