// Checks Envoy makes when it loads a resource that protoc-gen-validate does not express, so
// the encoder's PGV pass cannot see them: a resource failing one is refused (NACK), and with a
// route table or listener everything else in it. Each cites the Envoy source that refuses it.

type Json = Record<string, unknown>;

const FILTER_CONFIG = 'type.googleapis.com/envoy.config.route.v3.FilterConfig';
const EXT_AUTHZ = 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz';
/** int64 nanoseconds (DurationUtil::durationToMilliseconds refuses longer). */
const MAX_DURATION_SECONDS = 9_223_372_036;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function seconds(duration: unknown): number | undefined {
  if (typeof duration !== 'string' || !duration.endsWith('s')) return undefined;
  const value = Number(duration.slice(0, -1));
  return Number.isFinite(value) ? value : undefined;
}

/** What Envoy would refuse in `message` (an Envoy resource as Portico's JSON), by path. */
export function envoyLoadProblems(message: unknown, path = ''): string[] {
  const problems: string[] = [];
  const visit = (value: unknown, at: string, key: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${at}[${index}]`, key));
      return;
    }
    if (!isRecord(value)) return;
    // per_filter_config.cc: "Empty route/virtual host per filter configuration for {} filter".
    if (value['@type'] === FILTER_CONFIG && value.disabled !== true && value.config === undefined) {
      problems.push(`${at}: FilterConfig without config`);
    }
    // ext_authz_http_impl.cc: path_prefix should start with "/".
    if (value['@type'] === EXT_AUTHZ) {
      const prefix = (value.http_service as Json | undefined)?.path_prefix;
      if (typeof prefix === 'string' && prefix !== '' && !prefix.startsWith('/')) problems.push(`${at}.http_service.path_prefix: does not start with "/"`);
    }
    // header_parser.cc: a header value is a substitution format string; a lone "%" fails to parse.
    if ((key === 'request_headers_to_add' || key === 'response_headers_to_add') && isRecord(value.header)) {
      const text = value.header.value;
      if (typeof text === 'string' && text.replaceAll('%%', '').includes('%')) problems.push(`${at}.header.value: unescaped "%" in ${JSON.stringify(text)}`);
    }
    for (const [field, child] of Object.entries(value)) {
      const where = at ? `${at}.${field}` : field;
      // Durations past int64 nanoseconds ("Duration out-of-range").
      if (field === 'timeout' || field === 'per_try_timeout' || field === 'base_interval') {
        const s = seconds(child);
        if (s !== undefined && s > MAX_DURATION_SECONDS) problems.push(`${where}: ${String(child)} is out of Envoy's range`);
      }
      visit(child, where, field);
    }
  };
  visit(message, path, '');
  return problems;
}
