import { allResources, encodedLength } from '../adapters.js';
import { requirePipeline, resourceSetOf, runPipeline, xdsProblem, type BenchContext } from '../context.js';
import { CollectionPauses, describeTiming, mean, median, timeRuns } from '../stats.js';

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
  // Each run's start, end of translate and end, to say where the numerator's time goes.
  const marks: Array<[start: number, translated: number, end: number]> = [];
  const pauses = new CollectionPauses();
  const full = await timeRuns(runs, () => {
    const start = performance.now();
    const translated: number[] = [];
    const { xds } = runPipeline(resources, pipeline, undefined, translated);
    if (xds) serveAll(allResources(xds));
    marks.push([start, translated[0] ?? start, performance.now()]);
  });

  const output = runPipeline(resources, pipeline).xds;
  if (!output) throw new Error('buildXds produced no output');
  const served = allResources(output);
  // Proxy groups that route to the same cluster are served the same resource objects. The output
  // is each distinct resource once: encoding it twice would only make the floor look slower.
  const built = [...new Set(served)];
  const reused = built.filter((resource) => encodedBytesOf?.(resource) !== undefined).length;
  const floorMarks: Array<[start: number, end: number]> = [];
  const floor = await timeRuns(runs, () => {
    const start = performance.now();
    encodeAll(built);
    floorMarks.push([start, performance.now()]);
  });
  await pauses.stop();
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
  // A busy machine only ever adds time, and the two terms are timed one after the other: the
  // fastest runs give the ratio with the least of that noise. The figure stays the ratio of medians.
  const fastestFull = Math.min(...full.durations);
  const fastestFloor = Math.min(...floor.durations);
  context.reporter.note(
    NAME,
    `fastest runs: ${fastestFull.toFixed(1)} ms / ${fastestFloor.toFixed(1)} ms = ${(fastestFull / fastestFloor).toFixed(2)}x (less sensitive to a busy machine than the figure)`,
  );
  // The timed runs are the last ones: warm-ups come first.
  const timed = marks.slice(marks.length - full.durations.length);
  const timedFloor = floorMarks.slice(floorMarks.length - floor.durations.length);
  context.reporter.note(
    NAME,
    `where the time goes (timed runs): translate median ${median(timed.map(([start, translated]) => translated - start)).toFixed(1)} ms, ` +
      `collection pauses in it ${mean(timed.map(([start, translated]) => pauses.within(start, translated))).toFixed(1)} ms on average; ` +
      `buildXds and serving median ${median(timed.map(([, translated, end]) => end - translated)).toFixed(1)} ms, ` +
      `pauses ${mean(timed.map(([, translated, end]) => pauses.within(translated, end))).toFixed(1)} ms; ` +
      `encode only: pauses ${mean(timedFloor.map(([start, end]) => pauses.within(start, end))).toFixed(1)} ms`,
  );
  // The work itself, apart from when collections happen to fall: each run less the pauses inside
  // it. Collections cost more than their pauses (barriers, caches), so this is a lower bound.
  const fullWork = median(timed.map(([start, , end]) => end - start - pauses.within(start, end)));
  const floorWork = median(timedFloor.map(([start, end]) => end - start - pauses.within(start, end)));
  context.reporter.note(
    NAME,
    `without the collection pauses inside each run: ${fullWork.toFixed(1)} ms / ${floorWork.toFixed(1)} ms = ${(fullWork / floorWork).toFixed(2)}x (medians)`,
  );
}
