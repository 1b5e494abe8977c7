/* libFuzzer target: the farm's stored-state reader (farm_pkgs.h): expansion of package
 * references against a known base, and the strip / expand round trip of whatever parses. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "farm/farm_pkgs.h"

static m2m_farm_pkgs store;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t base[64];
	const m2m_farm_pkg *p;
	m2m_buf out, again, back;

	if (!ready) {
		/* One base the seeds refer to: 64 bytes of 0x42. */
		memset(base, 0x42, sizeof base);
		if (m2m_farm_pkgs_init(&store) != M2M_OK ||
		    m2m_farm_pkgs_add(&store, base, sizeof base, true, &p) != M2M_OK)
			return 0;
		ready = 1;
	}
	m2m_buf_init(&out);
	m2m_buf_init(&again);
	m2m_buf_init(&back);
	if (m2m_farm_state_expand(&store, data, size, &out) == M2M_OK &&
	    store.count < M2M_FARM_PKGS_MAX / 2 &&
	    m2m_farm_state_strip(&store, out.data, out.len, &again) == M2M_OK &&
	    m2m_farm_state_expand(&store, again.data, again.len, &back) == M2M_OK &&
	    (back.len != out.len || (out.len > 0 && memcmp(back.data, out.data, out.len) != 0)))
		__builtin_trap(); /* a stripped state must expand to itself */
	m2m_buf_free(&out);
	m2m_buf_free(&again);
	m2m_buf_free(&back);
	return 0;
}
