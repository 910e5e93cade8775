// Types of k8s-models.mjs for the TypeScript tests that import it.

/** The model of each built-in kind Portico renders or provisions, by `apiVersion/kind`. */
export declare const MODELS: Readonly<Record<string, string>>;

/** The problems of `value` read as `type` (a model name such as `V1Deployment`), each as `where.field: message`. */
export declare function modelProblems(value: unknown, type: string, where: string): string[];
