import { expect, it } from 'vitest';
import { type SslSettings, tlsError } from '../../../src/database/connection/tls.js';

const failure = (code: string, message = 'x') => Object.assign(new Error(message), { code });
const verifyFull: SslSettings = { mode: 'verify-full', rootCert: 'ca.pem', tls: {} };
const at = (ssl: SslSettings | undefined) => ({ where: 'db.example:5432', host: 'db.example', ssl });

// The real server's answers are covered by test/integration/database/tls.test.ts; these are the
// codes no test server here can produce on demand (an expired certificate, a broken key file).
it('names the certificate problem the server had, and the way out', () => {
  expect(tlsError(failure('CERT_HAS_EXPIRED'), at(verifyFull))?.message).toBe(
    'the certificate of Postgres at db.example:5432 is not valid now (CERT_HAS_EXPIRED)',
  );
  expect(tlsError(failure('SELF_SIGNED_CERT_IN_CHAIN'), at(undefined))?.message).toMatch(
    /not signed by a CA devup trusts \(the system's CAs: no sslrootcert given\)$/,
  );
  const altname = tlsError(
    failure(
      'ERR_TLS_CERT_ALTNAME_INVALID',
      "Hostname/IP does not match: Host: db.example. is not in the cert's altnames: DNS:localhost",
    ),
    at(verifyFull),
  );
  expect(altname?.hint).toMatch(/^Connect with a name the certificate lists \(Host: db\.example\./);
});

it('says a client certificate was refused before calling it any TLS failure', () => {
  expect(tlsError(failure('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'), at({ ...verifyFull, cert: 'me.pem' }))?.message).toBe(
    'Postgres at db.example:5432 refused the client certificate me.pem: x',
  );
  expect(tlsError(failure('ERR_OSSL_PEM_NO_START_LINE', 'no start line'), at(verifyFull))?.message).toBe(
    'TLS with Postgres at db.example:5432 failed: no start line',
  );
});

it("blames pg_hba's refusal of plaintext on TLS only when TLS was not tried", () => {
  const refused = failure('28000', 'no pg_hba.conf entry for host "10.0.0.1", user "u", database "d", no encryption');
  expect(tlsError(refused, at({ mode: 'disable', tls: {} }))?.message).toMatch(/turned this plaintext connection away/);
  expect(tlsError(refused, at({ mode: 'prefer', tls: {} }))).toBeUndefined();
  expect(tlsError(failure('ECONNREFUSED'), at(verifyFull))).toBeUndefined();
});
