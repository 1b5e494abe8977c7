/*
 * libFuzzer target for the SM-SR's reading of an ES3.SendData's Data (smsr/smsr_es8_route.h):
 * the bytes come from an SM-DP. Beyond "never crash": an accepted Data has a route, the inner
 * TLVs lie within the input, and a chaining value is one the script layer accepts.
 */
#include <stdint.h>
#include <stdlib.h>

#include "smsr/smsr_es8_route.h"
#include "smsr/smsr_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *in = NULL;
	size_t in_len = 0;
	int route = -1;
	m2m_script_chain chain = M2M_CHAIN_NONE;

	if (smsr_es8_unwrap(data, size, &in, &in_len) == NULL &&
	    (in < data || in_len > size || in + in_len > data + size))
		abort();
	if (smsr_es8_classify(data, size, &route, &chain) == NULL) {
		if (route != SMSR_ROUTE_ISDR && route != SMSR_ROUTE_ISDP &&
		    route != SMSR_ROUTE_SCP03T)
			abort();
		if (chain != M2M_CHAIN_NONE && !m2m_script_chain_valid((uint8_t)chain))
			abort();
	}
	return 0;
}
