/* `m2mrsp smsr import`: the eUICCs of a device farm (`m2mrsp devices list --json`, one
 * device per line) registered straight into the store, for tests and the demo (the EUM's
 * ES1 RegisterEIS is the production path). */
#define _POSIX_C_SOURCE 200809L
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/ec.h"
#include "crypto/pem.h"
#include "smsr/eis.h"
#include "smsr/eis_dsig.h"
#include "smsr/eis_xml.h"
#include "ws/msg.h"
#include "ws/schema.h"
#include "smsr/eis_device.h"
#include "smsr/eis_store.h"
#include "smsr/smsr.h"

/* The EIS as the EUM would send it: signed (the store keeps the signed form). */
static m2m_err sign(m2m_eis *e, const m2m_eckey *key)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_node *eis = NULL;
	m2m_err err;

	if ((err = m2m_ws_request_new(M2M_WS_ES1_REGISTER_EIS, "import", 0, &m)) == M2M_OK &&
	    (err = m2m_eis_build(m, NULL, e, NULL, 0, &eis)) == M2M_OK)
		err = m2m_eis_sign(m, eis, key, NULL, 0, e);
	m2m_ws_msg_free(m);
	return err;
}

static m2m_err import_line(m2m_store *st, const m2m_eis_device_opts *o, const m2m_eckey *key,
			   const char *line,
			   size_t lineno, bool *skipped, char *errbuf, size_t errlen)
{
	json_error_t jerr;
	json_t *dev = json_loads(line, 0, &jerr);
	m2m_ws_exec_status stt;
	m2m_eis e;
	char why[256] = "";
	m2m_err err;

	*skipped = false;
	if (dev == NULL) {
		snprintf(errbuf, errlen, "line %zu: %s", lineno, jerr.text);
		return M2M_ERR_FORMAT;
	}
	m2m_eis_init(&e);
	memset(&stt, 0, sizeof stt);
	err = m2m_eis_from_device(dev, o, &e, why, sizeof why);
	if (err != M2M_OK) {
		snprintf(errbuf, errlen, "line %zu: %s", lineno, why);
		goto out;
	}
	if ((err = sign(&e, key)) != M2M_OK) {
		snprintf(errbuf, errlen, "line %zu: the EIS cannot be signed: %s", lineno,
			 m2m_strerror(err));
		goto out;
	}
	err = m2m_eis_to_store(st, &e, &stt);
	if (err == M2M_ERR_STATE && strcmp(stt.subject, M2M_WS_SUBJ_EID) == 0) {
		*skipped = true; /* registered already: import is re-runnable */
		err = M2M_OK;
	} else if (err != M2M_OK) {
		snprintf(errbuf, errlen, "line %zu: EID %s: %s %s/%s %s", lineno, e.eid,
			 m2m_strerror(err), stt.subject, stt.reason, stt.message);
	}
out:
	m2m_eis_clear(&e);
	json_decref(dev);
	return err;
}

m2m_err m2m_smsr_import(const m2m_smsr_cfg *cfg, const char *devices_path, const char *mno_id,
			const char *eum_key, size_t *imported, size_t *skipped, char *errbuf,
			size_t errlen)
{
	m2m_eis_device_opts o = {.eum_id = M2M_EIS_DEFAULT_EUM_ID,
				 .smsr_id = cfg->oid,
				 .mno_id = mno_id,
				 .production = time(NULL)};
	m2m_store *st = NULL;
	m2m_eckey *key = NULL;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	bool skip;
	m2m_err err;

	*imported = *skipped = 0;
	/* Without the EUM's key a throw-away one signs: the stored EIS is then well formed
	 * but its signature verifies against no certificate (tests and the demo only). */
	err = eum_key != NULL ? m2m_ec_load_pem(eum_key, true, &key)
			      : m2m_ec_generate(M2M_CURVE_P256, &key);
	if (err != M2M_OK) {
		snprintf(errbuf, errlen, "EUM key %s: %s", eum_key ? eum_key : "(generated)",
			 m2m_strerror(err));
		return err;
	}
	if (m2m_ws_init() != M2M_OK) {
		m2m_ec_free(key);
		snprintf(errbuf, errlen, "libxml2 set-up failed");
		return M2M_ERR_IO;
	}
	err = m2m_store_open(cfg->db, cfg->master_key, &st, errbuf, errlen);
	if (err != M2M_OK) {
		m2m_ec_free(key);
		return err;
	}
	f = fopen(devices_path, "r");
	if (f == NULL) {
		snprintf(errbuf, errlen, "%s: cannot open", devices_path);
		err = M2M_ERR_IO;
		goto out;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (strspn(line, " \t\r\n") == strlen(line))
			continue;
		err = import_line(st, &o, key, line, lineno, &skip, errbuf, errlen);
		if (err != M2M_OK)
			goto out;
		if (skip)
			(*skipped)++;
		else
			(*imported)++;
	}
	err = M2M_OK;
out:
	free(line);
	if (f != NULL)
		fclose(f);
	m2m_store_close(st);
	m2m_ec_free(key);
	return err;
}
