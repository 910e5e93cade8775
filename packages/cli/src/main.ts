const USAGE = `portico: a Kubernetes Gateway API control plane for Envoy

Usage: portico <command> [options]

Commands:
  serve         run the control plane (file provider, ADS and admin servers)
  translate     translate Gateway API YAML offline and print status or Envoy resources
  bootstrap     print an Envoy bootstrap for a Gateway
  explain       trace where a request goes through the generated Envoy config
  conformance   replay the Gateway API conformance suite (as data) against Portico
`;

const [command] = process.argv.slice(2);
if (!command || command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(USAGE);
} else {
  process.stderr.write(`portico: unknown command '${command}'\n\n${USAGE}`);
  process.exitCode = 2;
}
