import { encodeEnvoyResource } from './test/support/envoy-encoder.js';
import { endpoints } from './test/support/resources.js';
const e = endpoints('a',[1000]);
const s1 = JSON.stringify(e.message);
encodeEnvoyResource(e);
console.log(s1 === JSON.stringify(e.message), s1, JSON.stringify(e.message));
