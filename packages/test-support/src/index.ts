export {
  certificatePlaceholderNames,
  certificatesForPlaceholders,
  fillCertificatePlaceholders,
  privateKeyTraces,
  selfSignedCertificate,
  selfSignedRsaCertificate,
  tlsSecret,
  type TestCertificate,
} from './certs.js';
export { loadFixture, type Fixture } from './fixtures.js';
export { testPki, type Pem } from './pki.js';
export { fuzzParameters, fuzzScale, type FuzzParameters } from './fuzz.js';
export { statusSchemaProblem, STATUS_SCHEMA_KINDS } from './status-schema.js';
export { envoyLoadProblems } from './envoy-load.js';
export { temporaryDirectory } from './temporary.js';
