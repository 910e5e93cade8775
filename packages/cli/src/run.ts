import { InputError, UsageError, errorText, processIo, type Io } from './common.js';

const USAGE = `portico: a Kubernetes Gateway API control plane for Envoy

Usage: portico <command> [options]

Commands:
  serve         run the control plane (file or Kubernetes provider, ADS and admin servers)
  translate     translate Gateway API YAML offline and print status or Envoy resources
  bootstrap     print an Envoy bootstrap for a Gateway
  explain       trace where a request goes through the generated Envoy config
  conformance   replay the Gateway API conformance suite (as data) against Portico

Run 'portico <command> --help' for the options of a command.
`;

type Command = (argv: string[], io: Io) => Promise<number>;

/** Commands load lazily: `portico translate` should not pay for the ADS server's imports. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).runServe,
  translate: async () => (await import('./translate.js')).runTranslate,
  bootstrap: async () => (await import('./bootstrap.js')).runBootstrap,
  explain: async () => (await import('./explain.js')).runExplain,
  conformance: async () => (await import('./conformance.js')).runConformance,
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  const load = COMMANDS[command];
  if (!load) {
    io.stderr(`portico: unknown command '${command}'\n\n${USAGE}`);
    return 2;
  }
  try {
    const run = await load();
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`portico ${command}: ${error.message}\nRun 'portico ${command} --help' for usage.\n`);
      return 2;
    }
    if (error instanceof InputError) {
      io.stderr(`portico ${command}: ${error.message}\n`);
      return 1;
    }
    io.stderr(`portico ${command}: ${errorText(error)}\n`);
    return 1;
  }
}
