import { ExplainArgsError, explainRequest, formatExplainTrace, parseExplainArgs, type ExplainTrace } from '@portico/explain';
import { buildXds } from '@portico/xds';
import { translate } from '@portico/translator';
import {
  DEFAULT_CONTROLLER_NAME,
  InputError,
  UsageError,
  errorText,
  formatProblem,
  loadFiles,
  parseGatewayRef,
  type Io,
} from './common.js';

export const EXPLAIN_USAGE = `Usage: portico explain [-f FILE... | --admin URL] [options] REQUEST...

Traces a request through the Envoy configuration Portico generates: which
listener, filter chain, virtual host and route match it, what filters do to it,
and which backend it reaches (or why it gets a direct response).

Source (one of):
  -f, --file FILE          translate these manifests offline (repeat for more)
      --admin URL          ask a running control plane (e.g. http://127.0.0.1:19000)

Options:
      --gateway NS/NAME    the Gateway whose proxies to simulate (required when several are served)
  -o, --format text|json   output format (default text)
  -v, --verbose            text output: also the candidates that did not match, and why
      --controller-name N  with -f: GatewayClass controllerName to act for (default ${DEFAULT_CONTROLLER_NAME})
      --mesh               with -f: translate with the service mesh (GAMMA) enabled; sidecars of
                           namespace NS are simulated with --gateway mesh/NS
  -h, --help               show this help

REQUEST is the request in curl-like words: [METHOD] URL [-H|--header 'name: value']... [-X|--method METHOD]
[--port N] [--sni NAME | --no-sni] [--alpn h2,http/1.1] [--client-cert valid|invalid]
[--cluster NAME] [--source ADDR] [--listener NAME] [--destination IP]. --listener starts at a
listener by name (e.g. an api_listener); --destination is the original destination address an
ORIGINAL_DST (mesh passthrough) cluster connects to (a URL's IP is used when not given).
URL schemes: http, https, tls (a TLS connection by SNI), tcp, udp. For example
  GET http://www.example.com:8080/api -H 'x-canary: true'
Options above must come before REQUEST; everything from the first other word on is the request.
`;

interface ExplainArgs {
  files: string[];
  admin?: string;
  gateway?: string;
  format: 'text' | 'json';
  controllerName: string;
  help: boolean;
  verbose: boolean;
  /** With -f: translate with the service mesh (GAMMA) enabled, so `mesh/<ns>` groups exist. */
  mesh: boolean;
  request: string[];
}

/** Separates explain's own options from the request words, which have flags of their own (-H, -X). */
export function splitExplainArgs(argv: readonly string[]): ExplainArgs {
  const args: ExplainArgs = { files: [], format: 'text', controllerName: DEFAULT_CONTROLLER_NAME, help: false, verbose: false, mesh: false, request: [] };
  const valueOf = (index: number, flag: string): string => {
    const value = argv[index + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    return value;
  };
  let index = 0;
  for (; index < argv.length; index++) {
    const word = argv[index];
    const [flag, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    const take = () => (inline !== undefined ? inline : valueOf(index++, flag));
    if (flag === '-h' || flag === '--help') args.help = true;
    else if (flag === '-v' || flag === '--verbose') args.verbose = true;
    else if (flag === '--mesh') args.mesh = true;
    else if (flag === '-f' || flag === '--file') args.files.push(take());
    else if (flag === '--admin') args.admin = take();
    else if (flag === '--gateway') args.gateway = take();
    else if (flag === '--controller-name') args.controllerName = take();
    else if (flag === '-o' || flag === '--format') {
      const format = take();
      if (format !== 'text' && format !== 'json') throw new UsageError(`-o must be text or json, got '${format}'`);
      args.format = format;
    } else if (flag === '--') {
      index++;
      break;
    } else break;
  }
  args.request = argv.slice(index);
  return args;
}

function parseRequest(words: string[]) {
  try {
    return parseExplainArgs(words);
  } catch (error) {
    if (error instanceof ExplainArgsError) throw new UsageError(`REQUEST: ${error.message}`);
    throw error;
  }
}

async function explainFromFiles(args: ExplainArgs): Promise<{ trace: ExplainTrace | undefined; text: string; gateway: string }> {
  const { resources, problems } = await loadFiles(args.files);
  if (problems.length > 0) {
    throw new InputError(`the input has problems:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  }
  const result = translate(resources, { controllerName: args.controllerName, ...(args.mesh ? { mesh: true } : {}) });
  const xds = buildXds(result.ir);
  const groups = Object.keys(xds.groups).sort();
  const gateway = args.gateway ?? (groups.length === 1 ? groups[0] : undefined);
  if (!gateway) {
    throw new UsageError(
      groups.length === 0
        ? 'no Gateway in the input is programmed by this controller'
        : `--gateway is required when several gateways are served: ${groups.join(', ')}`,
    );
  }
  const group = xds.groups[gateway];
  if (!group) throw new InputError(`no proxy configuration for gateway ${gateway}; served: ${groups.join(', ') || '(none)'}`);
  const trace = explainRequest(group, parseRequest(args.request));
  return { trace, text: formatExplainTrace(trace, { verbose: args.verbose }), gateway };
}

async function explainFromAdmin(args: ExplainArgs): Promise<{ trace: ExplainTrace | undefined; text: string; gateway: string }> {
  let url: URL;
  try {
    url = new URL('/explain', args.admin);
  } catch {
    throw new UsageError(`--admin must be a URL like http://127.0.0.1:19000, got '${args.admin}'`);
  }
  if (args.gateway) url.searchParams.set('gateway', args.gateway);
  if (args.verbose) url.searchParams.set('verbose', '1');
  for (const word of args.request) url.searchParams.append('arg', word);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : errorText(error);
    throw new InputError(`cannot reach the admin API at ${args.admin}: ${cause}`);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string; trace?: ExplainTrace; text?: string; gateway?: string };
  if (!response.ok) throw new InputError(`admin API ${url.pathname} answered ${response.status}: ${body.error ?? 'no detail'}`);
  return { trace: body.trace, text: body.text ?? '', gateway: body.gateway ?? args.gateway ?? '' };
}

export async function runExplain(argv: string[], io: Io): Promise<number> {
  const args = splitExplainArgs(argv);
  if (args.help) {
    io.stdout(EXPLAIN_USAGE);
    return 0;
  }
  if (args.files.length > 0 && args.admin) throw new UsageError('use either -f FILE or --admin URL, not both');
  if (args.files.length === 0 && !args.admin) throw new UsageError('a source is required: -f FILE or --admin URL');
  if (args.request.length === 0) throw new UsageError('REQUEST is required, e.g. GET http://www.example.com/');
  if (args.gateway) parseGatewayRef(args.gateway);
  // Parse locally first, so a bad request is a usage error in both modes.
  parseRequest(args.request);
  const result = args.admin ? await explainFromAdmin(args) : await explainFromFiles(args);
  io.stdout(
    args.format === 'json'
      ? `${JSON.stringify({ gateway: result.gateway, trace: result.trace }, null, 2)}\n`
      : result.text.endsWith('\n') ? result.text : `${result.text}\n`,
  );
  return 0;
}
