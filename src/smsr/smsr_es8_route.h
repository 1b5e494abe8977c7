/*
 * The classification of an ES3.SendData's Data (smsr_es8_route.c): pure functions of the
 * bytes an SM-DP sends, fuzzed by fuzz/fuzz_es8_route.c.
 */
#ifndef M2M_SMSR_ES8_ROUTE_H
#define M2M_SMSR_ES8_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "card/script.h"

/* Data as AE 80 {..} 00 00, AA L {..} or bare TLVs: the inner TLVs in *in / *in_len; NULL,
 * or why Data is refused. */
const char *smsr_es8_unwrap(const uint8_t *d, size_t n, const uint8_t **in, size_t *in_len);
/* Route of Data (SMSR_ROUTE_* of smsr_int.h) and its C-APDU chaining (83) if any; NULL, or
 * why it is refused. Every TLV must decode; a script holds only 22/81/82/83, SCP03t only
 * 84-87. */
const char *smsr_es8_classify(const uint8_t *d, size_t n, int *route,
			      m2m_script_chain *chain);

#endif
