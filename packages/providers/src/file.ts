import { watch, type FSWatcher, type Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { loadManifests, ResourceSet, type LoadResult } from '@portico/api';
import { loadWarnings, type ObjectStatus } from '@portico/translator';
import type { Provider, ProviderProblem, ProviderSnapshot } from './provider.js';
import { retryDelayMs } from './backoff.js';

/** Extensions read from directories; files named explicitly are read whatever their extension. */
export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

/** The part of a pino logger the file provider uses, so callers can pass pino or nothing. */
export interface FileProviderLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

export interface FileProviderOptions {
  /** Files and directories (read recursively). */
  paths: readonly string[];
  /** Watch for changes and emit new snapshots. Default true. */
  watch?: boolean;
  /** Quiet period after the last file system event before reloading. Default 200 ms. */
  debounceMs?: number;
  logger?: FileProviderLogger;
}

type LoadedObject = LoadResult['objects'][number];

interface FileState {
  /** Raw text of the last read, to skip reparsing unchanged files. */
  text: string;
  /** Objects of the last version that loaded without problems; served while the file is broken. */
  lastGood?: LoadedObject[];
  /** Problems of the current version (empty when it loads cleanly). */
  problems: ProviderProblem[];
  /** Objects of the current version when it never loaded cleanly (partial, better than nothing). */
  partial?: LoadedObject[];
}

/** A root path that does not exist or cannot be read at startup. */
export class FileProviderError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileProviderError';
  }
}

const RETRY_WATCH_MS = 1000;
const RETRY_WATCH_MAX_MS = 60_000;

/**
 * `device:inode:birth time` of a directory, or undefined when there is none at the path. File
 * systems hand a freed inode to the next directory made (rm -rf, mkdir): the birth time tells
 * them apart.
 */
async function identityOf(directory: string): Promise<string | undefined> {
  try {
    return identityFrom(await stat(directory));
  } catch {
    return undefined;
  }
}

function identityFrom(info: Stats): string | undefined {
  return info.isDirectory() ? `${info.dev}:${info.ino}:${info.birthtimeMs}` : undefined;
}

/** The path itself when it is a directory, else the nearest ancestor that is one, with its identity. */
async function existingAncestor(directory: string): Promise<{ path: string; identity: string | undefined }> {
  let at = directory;
  let identity = await identityOf(at);
  while (identity === undefined && dirname(at) !== at) {
    at = dirname(at);
    identity = await identityOf(at);
  }
  return { path: at, identity };
}

async function isRegularFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function isManifestFile(path: string): boolean {
  return MANIFEST_EXTENSIONS.includes(extname(path).toLowerCase());
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function objectName(object: LoadedObject): string {
  const ns = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${ns}${object.metadata.name}`;
}

/**
 * Reads Gateway API objects from YAML/JSON files and directories, and watches
 * them. Each file is loaded on its own: a file that stops parsing or validating
 * is reported as a problem while the objects of its last good version keep
 * being served, and a deleted file takes its objects with it. Status is kept in
 * memory (there is no API server to write it to); read it with statuses().
 */
export class FileProvider implements Provider {
  readonly name = 'file';
  private readonly roots: string[];
  private readonly files = new Map<string, FileState>();
  /** Watched directories, each with the identity (identityOf) of the directory watched. */
  private readonly watchers = new Map<string, { watcher: FSWatcher; identity: string }>();
  private readonly debounceMs: number;
  private readonly watchEnabled: boolean;
  private readonly logger?: FileProviderLogger;
  private onSnapshot?: (snapshot: ProviderSnapshot) => void;
  private timer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  /** Directories whose watch failed, with how many times in a row. */
  private readonly watchFailures = new Map<string, number>();
  private reloading?: Promise<void>;
  private reloadAgain = false;
  private stopped = false;
  private latestStatuses: readonly ObjectStatus[] = [];
  private lastEmitted?: string;
  /** Objects of the last snapshot by their JSON: an object that did not change is handed over again as the same object. */
  private emittedObjects = new Map<string, LoadedObject>();

  constructor(options: FileProviderOptions) {
    this.roots = options.paths.map((path) => resolve(path));
    this.debounceMs = options.debounceMs ?? 200;
    this.watchEnabled = options.watch ?? true;
    this.logger = options.logger;
  }

  /**
   * Loads every root once and emits the first snapshot before resolving.
   * Throws FileProviderError when a root does not exist or cannot be read, so a
   * typo on the command line fails fast instead of serving nothing.
   */
  async start(onSnapshot: (snapshot: ProviderSnapshot) => void): Promise<void> {
    for (const root of this.roots) {
      try {
        await stat(root);
      } catch (error) {
        const reason = errorCode(error) === 'ENOENT' ? 'no such file or directory' : errorText(error);
        throw new FileProviderError(root, `cannot read ${root}: ${reason}`);
      }
    }
    this.onSnapshot = onSnapshot;
    await this.reload();
  }

  async writeStatus(statuses: readonly ObjectStatus[]): Promise<void> {
    this.latestStatuses = statuses;
  }

  /** The status last reported by the control plane. */
  statuses(): readonly ObjectStatus[] {
    return this.latestStatuses;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
    await this.reloading;
  }

  /** Schedules a reload after the debounce period; bursts of events collapse into one reload. */
  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.reload();
    }, this.debounceMs);
  }

  private async reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        await this.rescan();
      } while (this.reloadAgain && !this.stopped);
    })();
    try {
      await this.reloading;
    } finally {
      this.reloading = undefined;
    }
  }

  private async rescan(): Promise<void> {
    const found = new Set<string>();
    // Directories to watch, with their identity when the scan already stat-ed them.
    const directories = new Map<string, string | undefined>();
    const rootProblems: ProviderProblem[] = [];
    for (const root of this.roots) {
      await this.collect(root, true, found, directories, rootProblems);
    }
    for (const path of [...this.files.keys()]) {
      if (!found.has(path)) {
        this.files.delete(path);
        this.logger?.info({ file: path }, 'file removed; its objects are no longer served');
      }
    }
    for (const path of [...found].sort()) await this.readOne(path);
    if (this.watchEnabled && !this.stopped) await this.updateWatchers(directories);
    this.emit(rootProblems);
  }

  private async collect(
    path: string,
    isRoot: boolean,
    found: Set<string>,
    directories: Map<string, string | undefined>,
    problems: ProviderProblem[],
  ): Promise<void> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if (isRoot) {
        // Watch the nearest directory that exists, so the root is picked up again when it (and
        // any directory above it that went with it) comes back.
        const ancestor = await existingAncestor(dirname(path));
        if (!directories.has(ancestor.path)) directories.set(ancestor.path, ancestor.identity);
        if (errorCode(error) !== 'ENOENT') problems.push({ source: path, message: `cannot read: ${errorText(error)}` });
      }
      return;
    }
    if (info.isDirectory()) {
      directories.set(path, identityFrom(info));
      let entries;
      try {
        entries = await readdir(path, { withFileTypes: true });
      } catch (error) {
        problems.push({ source: path, message: `cannot list directory: ${errorText(error)}` });
        return;
      }
      for (const entry of entries) {
        if (entry.name.startsWith('.')) continue;
        const child = join(path, entry.name);
        if (entry.isDirectory()) await this.collect(child, false, found, directories, problems);
        // Regular files only: reading a FIFO or a device never ends. A link is followed.
        else if (isManifestFile(child) && (entry.isFile() || (entry.isSymbolicLink() && (await isRegularFile(child))))) found.add(child);
      }
      return;
    }
    if (!info.isFile()) {
      if (isRoot) problems.push({ source: path, message: 'cannot read: not a regular file or directory' });
      return;
    }
    if (isRoot) {
      // Editors replace files by rename; watching the parent directory sees that.
      if (!directories.has(dirname(path))) directories.set(dirname(path), undefined);
      found.add(path);
    } else if (isManifestFile(path)) {
      found.add(path);
    }
  }

  private async readOne(path: string): Promise<void> {
    const previous = this.files.get(path);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') {
        this.files.delete(path);
        return;
      }
      const problem: ProviderProblem = { source: path, message: `cannot read: ${errorText(error)}` };
      this.files.set(path, { text: '', lastGood: previous?.lastGood, problems: [problem] });
      this.logger?.warn({ file: path, err: errorText(error) }, 'cannot read file; serving its last good objects');
      return;
    }
    if (previous && previous.text === text && previous.problems.every((p) => !p.message.startsWith('cannot read'))) {
      return;
    }
    const loaded = loadManifests(text, path);
    if (loaded.problems.length === 0) {
      // Served, without the objects of kinds Portico does not read and the fields of a wrong
      // type: said, since an effect is expected of them.
      const warnings = loadWarnings(loaded, path);
      this.files.set(path, { text, lastGood: loaded.objects, problems: warnings });
      for (const warning of warnings) {
        this.logger?.warn({ file: path, document: warning.document, object: warning.object, field: warning.field }, warning.message);
      }
      if (previous) this.logger?.info({ file: path, objects: loaded.objects.length }, 'file reloaded');
      return;
    }
    const keep = previous?.lastGood;
    const problems: ProviderProblem[] = loaded.problems.map((problem) => ({
      source: path,
      document: problem.document,
      object: problem.object,
      field: problem.field,
      message: keep
        ? `${problem.message} (serving the last good version of this file)`
        : `${problem.message} (the other documents of this file are served)`,
    }));
    this.files.set(path, { text, lastGood: keep, problems, partial: keep ? undefined : loaded.objects });
    for (const problem of problems) {
      this.logger?.warn(
        { file: path, document: problem.document, object: problem.object, field: problem.field },
        `invalid manifest: ${problem.message}`,
      );
    }
  }

  private async updateWatchers(directories: Map<string, string | undefined>): Promise<void> {
    // A directory is known by its identity (identityOf): one removed and made again under the
    // same path (rm -rf and a fresh copy) needs a watcher of its own, the old one sees nothing more.
    const identities = new Map<string, string | undefined>();
    // Only the directories the scan did not stat itself (a file's, an absent root's ancestor).
    for (const [directory, known] of directories) identities.set(directory, known ?? (await identityOf(directory)));
    for (const [directory, { watcher, identity }] of this.watchers) {
      if (identities.get(directory) !== identity) {
        watcher.close();
        this.watchers.delete(directory);
      }
    }
    let unwatched = false;
    for (const [directory, identity] of identities) {
      if (this.watchers.has(directory) || this.stopped) continue;
      if (identity === undefined) {
        unwatched = true;
        continue;
      }
      try {
        const watcher = watch(directory, { persistent: false }, () => this.schedule());
        watcher.on('error', () => {
          // The directory went away; the next rescan decides what to watch.
          watcher.close();
          if (this.watchers.get(directory)?.watcher === watcher) this.watchers.delete(directory);
          this.schedule();
        });
        this.watchers.set(directory, { watcher, identity });
        this.watchFailures.delete(directory);
      } catch (error) {
        unwatched = true;
        // Said once per directory: a limit that does not go away (ENOSPC, the inotify watch
        // limit; EACCES) would otherwise be said at every retry.
        const failures = (this.watchFailures.get(directory) ?? 0) + 1;
        this.watchFailures.set(directory, failures);
        if (failures === 1) this.logger?.warn({ directory, err: errorText(error) }, 'cannot watch directory; trying again, less and less often');
      }
    }
    for (const directory of this.watchFailures.keys()) if (!identities.has(directory)) this.watchFailures.delete(directory);
    // Look again: soon for a directory that went away between the scan and its watch, then
    // less often (up to a minute) while a watch keeps failing.
    if (unwatched && !this.stopped) {
      const failures = Math.max(0, ...this.watchFailures.values());
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(
        () => {
          this.retryTimer = undefined;
          this.schedule();
        },
        retryDelayMs(failures, RETRY_WATCH_MS, RETRY_WATCH_MAX_MS),
      );
      this.retryTimer.unref();
    }
  }

  private emit(rootProblems: ProviderProblem[]): void {
    if (this.stopped || !this.onSnapshot) return;
    const problems = [...rootProblems];
    const owner = new Map<string, string>();
    const objects: LoadedObject[] = [];
    const duplicates: ProviderProblem[] = [];
    for (const path of [...this.files.keys()].sort()) {
      const state = this.files.get(path)!;
      problems.push(...state.problems);
      for (const object of state.lastGood ?? state.partial ?? []) {
        const name = objectName(object);
        const first = owner.get(name);
        if (first !== undefined) {
          const duplicate = { source: path, object: name, message: `${name} is also defined in ${first}; the definition in ${path} is used` };
          problems.push(duplicate);
          duplicates.push(duplicate);
        }
        owner.set(name, path);
        objects.push(object);
      }
    }
    // Emit only real changes: watchers fire for touches, metadata changes and
    // our own reads, and every snapshot costs a full translation.
    const texts = objects.map((object) => JSON.stringify(object));
    const fingerprint = `${JSON.stringify(problems)}\n${texts.join('\n')}`;
    if (fingerprint === this.lastEmitted) return;
    this.lastEmitted = fingerprint;
    // Said in the log as other problems are (once per change, not on every rescan).
    for (const duplicate of duplicates) this.logger?.warn({ file: duplicate.source, object: duplicate.object }, duplicate.message);
    // The translator reuses its work for objects it has seen before (by identity), so an
    // unchanged object in an edited file is handed over as the object it was last time.
    const emitted = new Map<string, LoadedObject>();
    const stable = objects.map((object, index) => {
      const text = texts[index];
      const same = emitted.get(text) ?? this.emittedObjects.get(text) ?? object;
      emitted.set(text, same);
      return same;
    });
    this.emittedObjects = emitted;
    this.onSnapshot({ resources: ResourceSet.from(stable), problems });
  }
}
