/*
 * libFuzzer target for the JSON form of profile packages: the bytes are JSON text for
 * m2m_saip_json_parse_pkg(). Besides "never crash or leak", whatever converts must encode,
 * and its JSON must convert back to a package with the very same DER (JSON is canonical
 * after one pass: lower-case hex, no leading zeros, one spelling per value).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "saip/json.h"

static void again(const m2m_saip_pkg *pkg, const m2m_buf *der)
{
	m2m_saip_pkg pkg2;
	m2m_saip_json_error err;
	m2m_buf der2;
	json_t *root = NULL;
	m2m_saip_pkg_init(&pkg2);
	m2m_buf_init(&der2);
	if (m2m_saip_json_from_pkg(pkg, &root, &err) != M2M_OK ||
	    m2m_saip_json_to_pkg(root, &pkg2, &err) != M2M_OK ||
	    m2m_saip_encode(&pkg2, &der2) != M2M_OK || der2.len != der->len ||
	    memcmp(der2.data, der->data, der->len) != 0)
		abort();
	json_decref(root);
	m2m_saip_pkg_free(&pkg2);
	m2m_buf_free(&der2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_saip_pkg pkg;
	m2m_saip_json_error err;
	m2m_buf der;
	m2m_saip_pkg_init(&pkg);
	m2m_buf_init(&der);
	if (m2m_saip_json_parse_pkg((const char *)data, size, &pkg, &err) == M2M_OK) {
		if (m2m_saip_encode(&pkg, &der) != M2M_OK)
			abort();
		again(&pkg, &der);
	}
	m2m_saip_pkg_free(&pkg);
	m2m_buf_free(&der);
	return 0;
}
