// GEP-3793 default Gateways: the scopes this controller implements.

/** The scope that makes no Gateway a default one, and asks a route for no default Gateway. */
export const NO_DEFAULT_SCOPE = 'None';

/** The scopes implemented (the only one GEP-3793 defines besides None). */
export const DEFAULT_SCOPES: readonly string[] = ['All'];
