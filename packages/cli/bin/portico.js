#!/usr/bin/env -S node --no-allocation-site-pretenuring
// The CLI is written in TypeScript; tsx compiles it on load so `npx portico`
// works right after `npm ci` with no separate build step. The flags on the first line are the
// control plane's Node flags (CONTROL_PLANE_NODE_FLAGS in @portico/server; `env -S` splits them).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
