/* m2m_eis_to_store with an EIS that was never signed (no EumSignedInfo / EumSignature kept):
 * refused with a status that says so (it was a bare "out of memory": json_stringn(NULL, 0)
 * is NULL), nothing written. The stored document needs the signed part: m2m_eis_from_store
 * parses it back with its EumSignature. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "smsr/eis_store.h"
#include "test_eis_fixture.h"

#define MASTER "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void unsigned_eis_stored(void **state)
{
	char dir[64], url[160], err[200], cmd[128];
	m2m_store *st = NULL;
	m2m_ws_exec_status status;
	m2m_eis e, back;
	fx f;

	(void)state;
	fx_init(&f);
	snprintf(dir, sizeof dir, "/tmp/m2m-eis-unsigned-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof url, "sqlite:%s/s.db", dir);
	assert_int_equal(m2m_store_open(url, MASTER, &st, err, sizeof err), M2M_OK);
	fx_eis(&f, FX_EID, &e);
	assert_int_equal(e.signed_info.len, 0);
	assert_int_equal(e.signature.len, 0);
	memset(&status, 0, sizeof status);
	/* Refused for what it is (not "out of memory"), with a status, nothing written. */
	assert_int_equal(m2m_eis_to_store(st, &e, &status), M2M_ERR_ARG);
	assert_int_equal(status.status, M2M_WS_FAILED);
	assert_string_equal(status.subject, M2M_WS_SUBJ_EIS);
	assert_string_equal(status.reason, M2M_WS_REASON_INVALID);
	assert_non_null(strstr(status.message, "no signed form"));
	m2m_eis_init(&back);
	assert_int_equal(m2m_eis_from_store(st, FX_EID, &back), M2M_END);
	m2m_eis_clear(&back);
	/* Half signed (signature without signed part): refused the same way. */
	assert_int_equal(m2m_buf_append(&e.signature, "x", 1), M2M_OK);
	assert_int_equal(m2m_eis_to_store(st, &e, &status), M2M_ERR_ARG);
	m2m_eis_clear(&e);
	m2m_store_close(st);
	fx_free(&f);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unsigned_eis_stored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
