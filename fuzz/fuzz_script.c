/* libFuzzer target for the TS 102 226 script readers: command templates, responses and the
 * compact format. Every item returned must lie inside the input. */
#include <stdint.h>
#include <stdlib.h>

#include "card/script.h"

static void inside(const uint8_t *data, size_t size, const uint8_t *p, size_t n)
{
	if (n > 0 && (p < data || p + n > data + size))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_script_reader r;
	m2m_script_item item;
	if (m2m_script_open(&r, data, size) == M2M_OK) {
		while (m2m_script_next(&r, &item) == M2M_OK)
			inside(data, size, item.data, item.len);
	}

	m2m_script_response resp;
	const uint8_t *p;
	size_t n;
	if (m2m_script_response_open(&resp, data, size) == M2M_OK) {
		while (m2m_script_response_next(&resp, &p, &n) == M2M_OK) {
			if (n < 2)
				abort();
			inside(data, size, p, n);
		}
	}

	m2m_script_compact_reader c;
	m2m_script_compact_open(&c, data, size);
	while (m2m_script_compact_next(&c, &p, &n) == M2M_OK)
		inside(data, size, p, n);
	return 0;
}
