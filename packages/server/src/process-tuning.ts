// Node flags the control plane process runs with: bin/portico.js starts Node with them (its
// first two lines), the container image's entrypoint too, and the benchmarks measure the pipeline with
// them. One list, so that the three agree (packages/cli/test/node-flags.test.ts checks).
//
// --no-allocation-site-pretenuring: V8 watches which allocation sites make objects that survive
// a young-generation collection and, past a threshold, allocates their later objects straight in
// the old generation. A full build allocates more than the young generation holds (~18.5 MB for
// the large bench fixture against a 16 MiB semi-space), so one collection falls inside every build and
// everything built so far survives it: the sites of the IR and the Envoy JSON get pretenured.
// Their objects then point from the old generation at the strings, lists and maps built beside
// them, which stay young, and every such store goes through the write barrier into the
// remembered set. Once a build's result is dropped, those old objects are dead, but only a full
// collection knows that: until then the young-generation collector takes their pointers as roots,
// so the dropped build's young objects are copied and promoted by the next collection (~3 MB per
// build, measured with --trace-gc-nvp), and the old generation fills faster. Without pretenuring
// a dropped build is simply not copied. Measured (docs/bench.md): incremental edits at 10k routes
// ~35 % faster, cold builds of 10k routes ~10 %, encode_floor_ratio ~10 % lower; rss_per_route_kb
// unchanged.
// It must be given on the command line: set at run time (v8.setFlagsFromString) the allocation
// sites made before it keep their bookkeeping and cold builds measured slower, not faster.

/** Node flags the control plane is started with. */
export const CONTROL_PLANE_NODE_FLAGS: readonly string[] = Object.freeze(['--no-allocation-site-pretenuring']);

/** The control plane's Node flags this process was not started with (none when it was). */
export function missingControlPlaneFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return CONTROL_PLANE_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
