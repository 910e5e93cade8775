// The benchmarks depend on stages other packages are still growing. Each is looked up at run
// time against the contract the brief gives; a stage that is not there yet makes the figures
// that need it print `bench-skipped` instead of a number.

import type { ResourceSet } from '@portico/api';
import type { IR } from '@portico/ir';
import type { TranslateOptions, TranslationMemo, TranslationResult } from '@portico/translator';
import type { EnvoyResource, XdsBuildMemo, XdsBuildResult, buildXds } from '@portico/xds';

export type BuildXds = (ir: IR, features?: Parameters<typeof buildXds>[1], memo?: XdsBuildMemo) => XdsBuildResult;
/** Returns the wire bytes of one resource (or something holding them); the bench only needs it to run. */
export type EncodeResource = (resource: EnvoyResource) => unknown;

export type Translate = (resources: ResourceSet, options: TranslateOptions) => TranslationResult;

export interface TranslatorStage {
  translate?: Translate;
  /** A fresh memo to carry from one translation to the next, when the translator has one. */
  createMemo?: () => TranslationMemo;
  problem?: string;
}

export async function loadTranslatorStage(): Promise<TranslatorStage> {
  const { mod, problem } = await loadModule('@portico/translator');
  if (!mod) return { problem: problem ?? '@portico/translator failed to load' };
  if (typeof mod.translate !== 'function') return { problem: '@portico/translator does not export translate' };
  const stage: TranslatorStage = { translate: mod.translate as Translate };
  const Memo = mod.TranslationMemo;
  if (typeof Memo === 'function') stage.createMemo = () => new (Memo as new () => TranslationMemo)();
  return stage;
}

/** The bytes buildXds already wrote for a resource (what the snapshot cache serves), if it keeps them. */
export type EncodedBytesOf = (resource: EnvoyResource) => Uint8Array | undefined;

export interface XdsStage {
  buildXds?: BuildXds;
  encodeResource?: EncodeResource;
  encodedBytesOf?: EncodedBytesOf;
  /** A fresh memo for buildXds to carry from one build to the next, when it has one. */
  createBuildMemo?: () => XdsBuildMemo;
  /** Why a missing function is missing (module failed to load, or does not export it yet). */
  problem?: string;
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

export async function loadXdsStage(): Promise<XdsStage> {
  const { mod, problem } = await loadModule('@portico/xds');
  if (!mod) return { problem: problem ?? '@portico/xds failed to load' };
  const stage: XdsStage = {};
  if (typeof mod.buildXds === 'function') stage.buildXds = mod.buildXds as BuildXds;
  if (typeof mod.encodeResource === 'function') stage.encodeResource = mod.encodeResource as EncodeResource;
  if (typeof mod.encodedBytesOf === 'function') stage.encodedBytesOf = mod.encodedBytesOf as EncodedBytesOf;
  if (typeof mod.createXdsBuildMemo === 'function') stage.createBuildMemo = mod.createXdsBuildMemo as () => XdsBuildMemo;
  return stage;
}

/** Loads a workspace module by name, or explains why it cannot. */
export async function loadModule(name: string): Promise<{ mod?: Record<string, unknown>; problem?: string }> {
  try {
    return { mod: (await import(name)) as Record<string, unknown> };
  } catch (error) {
    return { problem: `${name} failed to load: ${describeError(error)}` };
  }
}

/** Every resource of every proxy group, in a stable order. */
export function allResources(result: XdsBuildResult): EnvoyResource[] {
  const out: EnvoyResource[] = [];
  for (const group of Object.keys(result.groups).sort()) {
    const resources = result.groups[group];
    if (!resources) continue;
    out.push(...resources.listeners, ...resources.routes, ...resources.clusters, ...resources.endpoints, ...resources.secrets);
  }
  return out;
}

/** Byte length of an encoded resource when the encoder returns bytes (or an Any holding them). */
export function encodedLength(encoded: unknown): number {
  if (encoded instanceof Uint8Array) return encoded.byteLength;
  if (typeof encoded === 'object' && encoded !== null) {
    const value = (encoded as { value?: unknown }).value;
    if (value instanceof Uint8Array) return value.byteLength;
  }
  return 0;
}
