import type { EnvoyResources } from '@portico/xds';

/** Every group's resources in one set (for a dump of all proxies); a name served to several groups appears once. */
export function mergeGroups(groups: Record<string, EnvoyResources>): EnvoyResources {
  const merged: EnvoyResources = { listeners: [], routes: [], clusters: [], endpoints: [], secrets: [] };
  const keys = Object.keys(merged) as Array<keyof EnvoyResources>;
  for (const group of Object.keys(groups).sort()) {
    for (const key of keys) {
      const seen = new Set(merged[key].map((resource) => resource.name));
      for (const resource of groups[group][key]) {
        if (!seen.has(resource.name)) merged[key].push(resource);
      }
    }
  }
  for (const key of keys) merged[key].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return merged;
}
