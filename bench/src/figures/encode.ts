import { allResources, encodedLength } from '../adapters.js';
import { requirePipeline, resourceSetOf, runPipeline, xdsProblem, type BenchContext } from '../context.js';
import { describeTiming, median, timeRuns } from '../stats.js';

const NAME = 'encode_floor_ratio';

/**
 * How far the pipeline is from the cost of merely serialising its output: the time from input
 * objects to served bytes (translate + buildXds + encoding what buildXds did not already encode,
 * exactly what the snapshot cache does) over encoding alone, on the large fixture. 1.0 would mean
 * translation is free.
 */
export async function encodeFloor(context: BenchContext): Promise<void> {
  const pipeline = requirePipeline(context, NAME);
  if (!pipeline) return;
  const { buildXds, encodeResource } = context.xds;
  if (!buildXds || !encodeResource) {
    const missing = [!buildXds && 'buildXds', !encodeResource && 'encodeResource'].filter(Boolean).join(' and ');
    context.reporter.skipped(NAME, xdsProblem(context.xds, missing));
    return;
  }
  const encode = encodeResource;
  const fixture = context.large();
  const resources = resourceSetOf(fixture);
  const runs = context.quick ? { warmup: 1, runs: 3 } : { warmup: 10, runs: 15, budgetMs: 60_000 };

  const encodeAll = (built: ReturnType<typeof allResources>): number => {
    let bytes = 0;
    for (const resource of built) bytes += encodedLength(encode(resource));
    return bytes;
  };
  const { encodedBytesOf } = context.xds;
  const serveAll = (built: ReturnType<typeof allResources>): number => {
    let bytes = 0;
    for (const resource of built) bytes += encodedLength(encodedBytesOf?.(resource) ?? encode(resource));
    return bytes;
  };
  const full = await timeRuns(runs, () => {
    const { xds } = runPipeline(resources, pipeline);
    if (xds) serveAll(allResources(xds));
  });

  const output = runPipeline(resources, pipeline).xds;
  if (!output) throw new Error('buildXds produced no output');
  const served = allResources(output);
  // Proxy groups that route to the same cluster are served the same resource objects. The output
  // is each distinct resource once: encoding it twice would only make the floor look slower.
  const built = [...new Set(served)];
  const reused = built.filter((resource) => encodedBytesOf?.(resource) !== undefined).length;
  const floor = await timeRuns(runs, () => encodeAll(built));
  const bytes = encodeAll(built);

  const fullMs = median(full.durations);
  const floorMs = median(floor.durations);
  context.reporter.figure(NAME, fullMs / floorMs, 'x');
  context.reporter.note(
    NAME,
    `translate+buildXds+serve ${fullMs.toFixed(1)} ms / encode only ${floorMs.toFixed(1)} ms, ` +
      `${served.length} resources served, ${built.length} distinct (${reused} with the bytes buildXds wrote while validating), ` +
      `${(bytes / 1024).toFixed(0)} KiB encoded (each distinct resource once) ` +
      `(large fixture; full: ${describeTiming(full, runs)}; encode: ${describeTiming(floor, runs)})`,
  );
}
