// VHDS over Delta ADS with a raw client, on the real pipeline's output (translator + buildXds,
// no custom encoder): a client that asks for it gets RouteConfigurations without virtual hosts
// and the hosts as VirtualHost resources named in the route configuration's namespace, and an
// HTTPRoute edit sends only the host it changed. Clients that do not ask get the whole message.
import { describe, expect, it } from 'vitest';
import { TYPE_URLS, VIRTUAL_HOST_TYPE_URL, decodeMessage, decodeResource, type EnvoyMessage } from '@portico/xds';
import { SnapshotCache } from '../src/index.js';
import { HeldResources, type WireDeltaResponse } from './support/ads-client.js';
import { adsHarness } from './support/ads-harness.js';
import { pipeline } from './support/pipeline.js';

const GROUP = 'e2e/mesh';

const serve = adsHarness();

function build(edit?: (yaml: string) => string) {
  return pipeline({ fixture: 'echo-routes.yaml', values: { PORT_A: 1001, PORT_B: 1002 }, ...(edit ? { edit } : {}) }).xds;
}

async function setup() {
  const cache = new SnapshotCache();
  cache.setSnapshot(build());
  const { client } = await serve(cache);
  const [routeName] = [...cache.group(GROUP).route.keys()];
  expect(routeName).toBeDefined();
  return { cache, client, routeName: routeName as string };
}

function node(vhds: boolean) {
  const fields: Record<string, object> = { 'portico.gateway': { stringValue: GROUP } };
  if (vhds) fields['portico.vhds'] = { boolValue: true };
  return { id: `proxy-${vhds ? 'vhds' : 'whole'}`, cluster: 'ignored', metadata: { fields } };
}

const namesOf = (response: WireDeltaResponse) => response.resources.map((resource) => resource.name);
const decodeHost = (response: WireDeltaResponse, index: number): EnvoyMessage =>
  decodeMessage('envoy.config.route.v3.VirtualHost', response.resources[index]?.resource.value as Buffer);

describe('ADS delta with VHDS', () => {
  it('serves route configurations without hosts, the hosts by namespace, and an edit as one host', async () => {
    const { cache, client, routeName } = await setup();
    const stream = client.delta();
    stream.send({ type_url: TYPE_URLS.route, node: node(true), resource_names_subscribe: [routeName] });
    const routes = await stream.next();
    expect(namesOf(routes)).toEqual([routeName]);
    const header = decodeResource('route', routes.resources[0]?.resource.value as Buffer);
    expect(header.vhds).toEqual({ config_source: { ads: {}, resource_api_version: 'V3' } });
    expect(header.virtual_hosts ?? []).toEqual([]);
    stream.ack(routes);

    // Envoy subscribes to the route configuration's name as a namespace.
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL, resource_names_subscribe: [routeName] });
    const hosts = await stream.next();
    expect(hosts.type_url).toBe(VIRTUAL_HOST_TYPE_URL);
    expect(namesOf(hosts)).toEqual([`${routeName}/echo.test`, `${routeName}/split.test`]);
    hosts.resources.forEach((resource, i) => {
      expect(resource.resource.type_url).toBe(VIRTUAL_HOST_TYPE_URL);
      expect(decodeHost(hosts, i).name).toBe(resource.name);
    });
    stream.ack(hosts);
    expect(await stream.quiet()).toBe(true);

    // 80/20 → 50/50 changes one host: only that host goes out, and the header stays.
    cache.setSnapshot(build((yaml) => yaml.replace('weight: 80', 'weight: 50').replace('weight: 20', 'weight: 50')));
    const edited = await stream.next();
    expect(edited.type_url).toBe(VIRTUAL_HOST_TYPE_URL);
    expect(namesOf(edited)).toEqual([`${routeName}/split.test`]);
    const weights = ((decodeHost(edited, 0).routes as EnvoyMessage[])[0]?.route as EnvoyMessage).weighted_clusters as EnvoyMessage;
    expect((weights.clusters as EnvoyMessage[]).map((c) => c.weight)).toEqual([50, 50]);
    stream.ack(edited);
    expect(await stream.quiet()).toBe(true);

    // The split HTTPRoute goes: its host is withdrawn by name.
    cache.setSnapshot(build((yaml) => yaml.replace(/# Weighted split[\s\S]*?---\n/, '')));
    const removed = await stream.next();
    expect(removed.type_url).toBe(VIRTUAL_HOST_TYPE_URL);
    expect(removed.resources).toEqual([]);
    expect(removed.removed_resources).toEqual([`${routeName}/split.test`]);
  });

  it('sends a new backend cluster before the virtual host that routes to it', async () => {
    const { cache, client, routeName } = await setup();
    const stream = client.delta();
    stream.send({ type_url: TYPE_URLS.cluster, node: node(true), resource_names_subscribe: [] });
    const clusters = await stream.next();
    expect(clusters.type_url).toBe(TYPE_URLS.cluster);
    stream.ack(clusters);
    stream.send({ type_url: TYPE_URLS.route, resource_names_subscribe: [routeName] });
    stream.ack(await stream.next());
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL, resource_names_subscribe: [routeName] });
    stream.ack(await stream.next());
    expect(await stream.quiet()).toBe(true);

    // The split route moves to a Service that did not exist: its cluster must be there first.
    const echoC = [
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata: { name: echo-c, namespace: e2e }',
      'spec: { ports: [{ name: grpc, port: 50051, targetPort: 1003, appProtocol: kubernetes.io/h2c }] }',
      '',
    ].join('\n');
    cache.setSnapshot(build((yaml) => `${yaml.replace('- name: echo-b\n          port: 50051\n          weight: 20', '- name: echo-c\n          port: 50051\n          weight: 20')}\n${echoC}`));
    const first = await stream.next();
    expect(first.type_url).toBe(TYPE_URLS.cluster);
    expect(namesOf(first).some((name) => name.includes('echo-c'))).toBe(true);
    stream.ack(first);
    const second = await stream.next();
    expect(second.type_url).toBe(VIRTUAL_HOST_TYPE_URL);
    expect(namesOf(second)).toEqual([`${routeName}/split.test`]);
  });

  it('keeps a VHDS client equal to the cache through edits, added and removed hosts, and a table that goes and comes back', async () => {
    const { cache, client, routeName } = await setup();
    const stream = client.delta();
    stream.send({ type_url: TYPE_URLS.route, node: node(true), resource_names_subscribe: [routeName] });
    stream.ack(await stream.next());
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL, resource_names_subscribe: [routeName] });
    const holder = new HeldResources(stream);
    const held = holder.of(VIRTUAL_HOST_TYPE_URL);
    const apply = () => holder.applyUntilQuiet();
    const expected = () =>
      new Map([...cache.group(GROUP).virtual_host].filter(([name]) => name.startsWith(`${routeName}/`)).map(([name, host]) => [name, host.version]));
    const moreHosts = (yaml: string) => yaml.replace('hostnames: ["split.test"]', 'hostnames: ["split.test", "a.test", "z.test"]');
    const steps: Array<(yaml: string) => string> = [
      (yaml) => yaml.replace('weight: 80', 'weight: 60'),
      moreHosts,
      (yaml) => moreHosts(yaml).replace('weight: 80', 'weight: 10'),
      (yaml) => yaml.replace(/# Weighted split[\s\S]*?---\n/, ''),
      (yaml) => yaml.replace('name: mesh\n  namespace: e2e', 'name: other\n  namespace: e2e'),
      (yaml) => yaml,
    ];
    await apply();
    expect(held).toEqual(expected());
    for (const [step, edit] of steps.entries()) {
      cache.setSnapshot(build(edit));
      await apply();
      expect(held, `after step ${step}`).toEqual(expected());
    }
    expect(held.size).toBe(2);
  });

  it('answers a namespace with no hosts, so the route configuration does not wait', async () => {
    const { client } = await setup();
    const stream = client.delta();
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL, node: node(true), resource_names_subscribe: ['e2e/mesh/no-such-port'] });
    const response = await stream.next();
    expect(response.resources).toEqual([]);
    expect(response.removed_resources).toEqual([]);
    // A later subscription to another empty namespace is answered too.
    stream.ack(response);
    stream.send({ type_url: VIRTUAL_HOST_TYPE_URL, resource_names_subscribe: ['e2e/mesh/other'] });
    expect((await stream.next()).resources).toEqual([]);
  });

  it('serves the whole route configuration to clients that did not ask for VHDS', async () => {
    const { cache, client, routeName } = await setup();
    const vhds = client.delta();
    vhds.send({ type_url: TYPE_URLS.route, node: node(true), resource_names_subscribe: [routeName] });
    await vhds.next();
    const whole = client.delta();
    whole.send({ type_url: TYPE_URLS.route, node: node(false), resource_names_subscribe: [routeName] });
    const response = await whole.next();
    const message = decodeResource('route', response.resources[0]?.resource.value as Buffer);
    expect(message.vhds).toBeUndefined();
    expect((message.virtual_hosts as EnvoyMessage[]).map((host) => host.name)).toEqual([`${routeName}/echo.test`, `${routeName}/split.test`]);
    expect(response.resources[0]?.version).toBe(cache.group(GROUP).route.get(routeName)?.version);
    // The same edit reaches it as the whole message again.
    whole.ack(response);
    cache.setSnapshot(build((yaml) => yaml.replace('weight: 80', 'weight: 70').replace('weight: 20', 'weight: 30')));
    const edited = await whole.next();
    expect(edited.type_url).toBe(TYPE_URLS.route);
    expect(namesOf(edited)).toEqual([routeName]);
  });
});
