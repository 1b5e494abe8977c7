/*
 * libFuzzer target for the EIS parser (src/smsr/eis_parse*.c, eis_field.c) behind the EIS
 * file reader (eis_file.c): the bytes are an EIS file as `m2mrsp eis verify` reads it.
 * Besides "never crash, leak or hang": an EIS that parses builds again (keys as received, the
 * signed part as canonicalised), and that element parses to the same EID, profiles and key
 * sets; unwrapping its keys under a fixed transport key either succeeds or refuses with the
 * ISD-R subject; the signature check refuses or passes without crashing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "smsr/eis_dsig.h"
#include "smsr/eis_file.h"
#include "smsr/eis_keys.h"
#include "smsr/eis_xml.h"
#include "ws/schema.h"

static const uint8_t tk[16] = {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47,
			       0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F};

static m2m_eckey *key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, NULL);
	if (m2m_ws_init() != M2M_OK || m2m_ec_generate(M2M_CURVE_P256, &key) != M2M_OK)
		abort();
	return 0;
}

/* The parsed EIS builds and parses back to the same shape. */
static void again(const m2m_eis *e)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_node *node;
	m2m_ws_exec_status st;
	m2m_eis *back = malloc(sizeof *back);

	if (back == NULL)
		return;
	m2m_eis_init(back);
	if (m2m_ws_request_new(M2M_WS_ES1_REGISTER_EIS, "fuzz", 0, &m) != M2M_OK ||
	    m2m_eis_build(m, NULL, e, NULL, 0, &node) != M2M_OK ||
	    m2m_eis_parse(node, back, &st) != M2M_OK)
		abort();
	if (strcmp(back->eid, e->eid) != 0 || back->nprofiles != e->nprofiles ||
	    back->isdr.nkeysets != e->isdr.nkeysets || back->naudit != e->naudit ||
	    back->nprops != e->nprops || back->signed_info.len != e->signed_info.len ||
	    memcmp(back->signed_info.data, e->signed_info.data, e->signed_info.len) != 0)
		abort();
	m2m_eis_clear(back);
	free(back);
	m2m_ws_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_node *node;
	m2m_ws_exec_status st;
	m2m_eis *e;
	const char *why;
	char text[128];

	if (m2m_eis_file_read(data, size, "fuzz", &m, &node, text, sizeof text) != M2M_OK)
		return 0;
	if ((e = malloc(sizeof *e)) == NULL)
		abort();
	m2m_eis_init(e);
	if (m2m_eis_parse(node, e, &st) == M2M_OK) {
		again(e);
		if (m2m_eis_keys_unwrap(e, tk, sizeof tk, &st) != M2M_OK &&
		    strcmp(st.subject, M2M_WS_SUBJ_ISDR) != 0)
			abort();
	} else if (st.status != M2M_WS_FAILED || st.subject[0] == '\0') {
		abort();
	}
	/* The signature's structure with a throw-away key: anything but a crash. */
	const m2m_ws_node *sig = m2m_ws_find(node, "EumSignature");
	const m2m_ws_node *si = m2m_ws_find(node, "EumSignedInfo");
	if (sig != NULL && si != NULL)
		(void)m2m_dsig_verify(sig, si, NULL, key, &why);
	m2m_eis_clear(e);
	free(e);
	m2m_ws_msg_free(m);
	return 0;
}
