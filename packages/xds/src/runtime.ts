// The runtime every Envoy that Portico bootstraps starts with.
//
// Envoy refuses a regex whose RE2 program is larger than the runtime key
// re2.max_program_size.error_level, 100 by default, and refusing one route's regex means
// NACKing the whole route table. Gateway API gives the user the regex, and program size is
// not something a user can see: `/files/[a-z0-9-]{1,64}` is past 100. Portico checks each
// regex with RE2's own syntax rules before serving it (translator, routes/matches.ts), and
// RE2 runs in linear time whatever the program size, so the limit is lifted here, as other
// control planes do. Envoy compares the value as a 32-bit integer: the largest one means none.
// warn_level makes Envoy log and count (re2.exceeded_warn_level) regexes past 1,000.

/** Envoy's bootstrap `layered_runtime`: the static layer above, then the admin layer (/runtime_modify). */
export const ENVOY_LAYERED_RUNTIME = {
  layers: [
    { name: 'portico', static_layer: { 're2.max_program_size.error_level': 4294967295, 're2.max_program_size.warn_level': 1000 } },
    { name: 'admin', admin_layer: {} },
  ],
} as const;
