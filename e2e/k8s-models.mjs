// Objects against the Kubernetes OpenAPI models shipped with @kubernetes/client-node: every
// field must exist where it stands, with the type the model gives. The API server drops an
// unknown field of a built-in kind without a word, so a misspelt or misplaced one fails here.
// Used by check-chart.mjs (the rendered chart) and by the providers' tests (the objects
// provisioned for each Gateway).
import * as k8s from '@kubernetes/client-node';

/** The model of each built-in kind Portico renders or provisions, by `apiVersion/kind`. */
export const MODELS = {
  'v1/ServiceAccount': 'V1ServiceAccount',
  'v1/Service': 'V1Service',
  'v1/ConfigMap': 'V1ConfigMap',
  'v1/Secret': 'V1Secret',
  'apps/v1/Deployment': 'V1Deployment',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'V1ClusterRole',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'V1ClusterRoleBinding',
  'rbac.authorization.k8s.io/v1/Role': 'V1Role',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'V1RoleBinding',
  'apiextensions.k8s.io/v1/CustomResourceDefinition': 'V1CustomResourceDefinition',
};

/**
 * The problems of `value` read as `type` (a model name such as `V1Deployment`), each as
 * `where.field: message`; none for a value that fits.
 */
export function modelProblems(value, type, where) {
  const problems = [];
  walk(value, type, where, (at, message) => problems.push(`${at}: ${message}`));
  return problems;
}

function walk(value, type, where, fail) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return fail(where, `expected a list (${type})`);
    value.forEach((item, index) => walk(item, array[1], `${where}[${index}]`, fail));
    return;
  }
  if (type.startsWith('{ [key: string]:')) {
    if (typeof value !== 'object' || Array.isArray(value)) return fail(where, 'expected a map');
    const inner = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1] ?? 'any';
    for (const [key, item] of Object.entries(value)) walk(item, inner, `${where}.${key}`, fail);
    return;
  }
  if (type === 'string' || type === 'Date') {
    if (typeof value !== 'string') fail(where, `expected a string, got ${JSON.stringify(value)}`);
    return;
  }
  if (type === 'number') {
    if (typeof value !== 'number') fail(where, `expected a number, got ${JSON.stringify(value)}`);
    return;
  }
  if (type === 'boolean') {
    if (typeof value !== 'boolean') fail(where, `expected a boolean, got ${JSON.stringify(value)}`);
    return;
  }
  if (type === 'IntOrString') {
    if (typeof value !== 'string' && typeof value !== 'number') fail(where, 'expected an int or string');
    return;
  }
  const model = k8s[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function') return; // free-form (any, object)
  if (typeof value !== 'object' || Array.isArray(value)) return fail(where, `expected an object (${type})`);
  const fields = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute.type]));
  for (const [key, item] of Object.entries(value)) {
    if (!fields.has(key)) fail(where, `unknown field "${key}" for ${type}`);
    else walk(item, fields.get(key), `${where}.${key}`, fail);
  }
}
