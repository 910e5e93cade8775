#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it on load so `npx portico`
// works right after `npm ci` with no separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
