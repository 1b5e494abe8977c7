/*
 * The SM-SR change end to end tests (test_smsr_change.c, test_smsr_change_pg.c): one held ES4
 * or ES7 call with its elements given as arguments. Include after e2e_harness.h.
 */
#ifndef M2M_TESTS_E2E_ES7_HARNESS_H
#define M2M_TESTS_E2E_ES7_HARNESS_H

#include <stdarg.h>

/* fn by who at the SM-SR listening on es, held (no ReplyTo), ValidityPeriod vp, with Eid of
 * dev (-1: unknown) and the children in ap (name, text..., NULL). */
static inline void es7_call_vp(const char *es, const char *who, m2m_ws_fn fn, int dev,
			       uint64_t vp, outcome *o, va_list ap)
{
	char url[128], fcid[32];
	static unsigned seq;
	m2m_ws_client *c = client_timeout(who, 120000);
	m2m_ws_msg *m = NULL;
	m2m_ws_result res;
	const char *name;

	snprintf(fcid, sizeof fcid, "fc-change-%u", ++seq);
	assert_int_equal(m2m_ws_request_new(fn, fcid, vp, &m), M2M_OK);
	assert_int_equal(m2m_ws_add(m, NULL, "Eid", dev < 0 ? UNKNOWN_EID : F->eid[dev], NULL),
			 M2M_OK);
	while ((name = va_arg(ap, const char *)) != NULL)
		assert_int_equal(m2m_ws_add(m, NULL, name, va_arg(ap, const char *), NULL), M2M_OK);
	snprintf(url, sizeof url, "https://%s/soap/es%d", es,
		 m2m_ws_iface_number(m2m_ws_function_get(fn)->iface));
	memset(o, 0, sizeof *o);
	memset(&res, 0, sizeof res);
	assert_int_equal(m2m_ws_client_call(c, url, m, NULL, &res), M2M_OK);
	if (res.fault) {
		o->st = res.error.status;
	} else {
		assert_non_null(res.response);
		assert_int_equal(m2m_ws_msg_status(res.response, &o->st), M2M_OK);
		o->has_eis = m2m_ws_find(m2m_ws_msg_body(res.response), "Eis") != NULL;
	}
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_ws_client_free(c);
}

/* es7_call_vp with ValidityPeriod 600 s; the children as arguments, NULL last. */
static inline void es7_call(const char *es, const char *who, m2m_ws_fn fn, int dev, outcome *o,
			    ...)
{
	va_list ap;

	va_start(ap, o);
	es7_call_vp(es, who, fn, dev, 600, o, ap);
	va_end(ap);
}

#endif
