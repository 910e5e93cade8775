import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of a module next to this one under src/. */
export function srcPath(relative: string): string {
  return fileURLToPath(new URL(relative, import.meta.url));
}

export interface ChildHandle<Message> {
  /** Resolves with every IPC message once the child exits with code 0; rejects otherwise. */
  done: Promise<Message[]>;
  send(message: unknown): void;
  onMessage(listener: (message: Message) => void): void;
  kill(): void;
}

/**
 * Runs a TypeScript entry in a fresh Node process (through tsx, with --expose-gc) and an
 * IPC channel. Children give clean memory baselines and let load generators run apart
 * from the process being measured.
 */
export function runChild<Message>(entry: string, args: readonly string[], nodeFlags: readonly string[] = []): ChildHandle<Message> {
  const child = spawn(process.execPath, ['--expose-gc', ...nodeFlags, '--import', 'tsx', entry, ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: Message[] = [];
  const listeners: Array<(message: Message) => void> = [];
  child.on('message', (message) => {
    messages.push(message as Message);
    for (const listener of listeners) listener(message as Message);
  });
  const done = new Promise<Message[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve(messages);
      else reject(new Error(`${entry} exited with ${signal ?? `code ${code}`}`));
    });
  });
  return {
    done,
    send: (message) => {
      if (child.connected) child.send(message as object);
    },
    onMessage: (listener) => listeners.push(listener),
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}
