import { ResourceSet } from '@portico/api';
import type { TranslationMemo, TranslationResult } from '@portico/translator';
import type { XdsBuildMemo, XdsBuildResult } from '@portico/xds';
import { loadTranslatorStage, loadXdsStage, type Translate, type XdsStage } from './adapters.js';
import {
  CONTROLLER_NAME,
  generateFixture,
  LARGE_SHAPE,
  QUICK_LARGE_SHAPE,
  QUICK_TEN_K_SHAPE,
  TEN_K_SHAPE,
  type Fixture,
  type FixtureShape,
} from './fixture.js';
import type { Reporter } from './report.js';

/** The stages a pipeline run needs: translate always, buildXds when the xds stage has it. */
export interface Pipeline {
  translate: Translate;
  createMemo?: () => TranslationMemo;
  xds: XdsStage;
}

export interface BenchContext {
  quick: boolean;
  reporter: Reporter;
  /** The control plane's Node flags this process runs with, for children that stand for the control plane. */
  controlPlaneFlags: readonly string[];
  /** Absent when @portico/translator cannot be loaded; `translatorProblem` says why. */
  pipeline?: Pipeline;
  translatorProblem?: string;
  xds: XdsStage;
  large(): Fixture;
  tenK(): Fixture;
}

export async function loadPipeline(): Promise<{ pipeline?: Pipeline; problem?: string; xds: XdsStage }> {
  const translator = await loadTranslatorStage();
  const xds = await loadXdsStage();
  if (!translator.translate) return { problem: translator.problem ?? 'translate unavailable', xds };
  const pipeline: Pipeline = { translate: translator.translate, xds };
  if (translator.createMemo) pipeline.createMemo = translator.createMemo;
  return { pipeline, xds };
}

export async function createContext(quick: boolean, reporter: Reporter, controlPlaneFlags: readonly string[]): Promise<BenchContext> {
  const loaded = await loadPipeline();
  const cache = new Map<FixtureShape, Fixture>();
  const get = (shape: FixtureShape): Fixture => {
    let fixture = cache.get(shape);
    if (!fixture) {
      fixture = generateFixture(shape);
      cache.set(shape, fixture);
    }
    return fixture;
  };
  const context: BenchContext = {
    quick,
    reporter,
    controlPlaneFlags,
    xds: loaded.xds,
    large: () => get(quick ? QUICK_LARGE_SHAPE : LARGE_SHAPE),
    tenK: () => get(quick ? QUICK_TEN_K_SHAPE : TEN_K_SHAPE),
  };
  if (loaded.pipeline) context.pipeline = loaded.pipeline;
  if (loaded.problem) context.translatorProblem = loaded.problem;
  return context;
}

export interface PipelineOutput {
  translation: TranslationResult;
  xds?: XdsBuildResult;
}

/** What the control plane keeps from one build to the next (each only when its stage has it). */
export interface PipelineMemos {
  translation?: TranslationMemo;
  xds?: XdsBuildMemo;
}

export function createMemos(pipeline: Pipeline): PipelineMemos {
  return { translation: pipeline.createMemo?.(), xds: pipeline.xds.createBuildMemo?.() };
}

/** translate's options, with the translation memo when there is one. */
export function translateOptions(memos?: PipelineMemos): { controllerName: string; memo?: TranslationMemo } {
  return memos?.translation ? { controllerName: CONTROLLER_NAME, memo: memos.translation } : { controllerName: CONTROLLER_NAME };
}

/**
 * The control plane's pure pipeline as far as it exists: translate, then buildXds when
 * available. With `memos` (the same on every call), a build reuses what earlier ones made, as
 * the control plane's builds do; without, every run starts from nothing. `marks`, when given,
 * gets the time translate ended.
 */
export function runPipeline(resources: ResourceSet, pipeline: Pipeline, memos?: PipelineMemos, marks?: number[]): PipelineOutput {
  const translation = pipeline.translate(resources, translateOptions(memos));
  // So a figure can time the two stages apart.
  marks?.push(performance.now());
  if (!pipeline.xds.buildXds) return { translation };
  return { translation, xds: pipeline.xds.buildXds(translation.ir, undefined, memos?.xds) };
}

export function pipelineLabel(xds: XdsStage): string {
  return xds.buildXds ? 'translate + buildXds' : 'translate only (buildXds not available yet)';
}

export function resourceSetOf(fixture: Fixture): ResourceSet {
  return ResourceSet.from(fixture.objects);
}

/** The pipeline, or a skip line naming why it cannot run. */
export function requirePipeline(context: BenchContext, name: string): Pipeline | undefined {
  if (!context.pipeline) context.reporter.skipped(name, context.translatorProblem ?? '@portico/translator unavailable');
  return context.pipeline;
}

export function xdsProblem(xds: XdsStage, missing: string): string {
  return `@portico/xds does not export ${missing} yet${xds.problem ? ` (${xds.problem})` : ''}`;
}
