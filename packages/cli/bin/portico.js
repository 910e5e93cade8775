#!/bin/sh
':' //; exec node --no-allocation-site-pretenuring "$0" "$@"
// The two lines above start this file under Node with the control plane's Node flags
// (CONTROL_PLANE_NODE_FLAGS in @portico/server) from any POSIX shell, which `env -S` in a
// shebang would not (BusyBox's env has no -S): sh runs the second line (`:` does nothing, then
// exec), and to JavaScript it is a string followed by a comment.
// The CLI is written in TypeScript; tsx compiles it on load so `npx portico`
// works right after `npm ci` with no separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
