/* `m2mrsp smdp import`: a profile type (the MNO's SAIP package) and a CSV batch of profiles
 * (docs/smdp.md "Inventory"). Every row is personalised into the package and validated
 * before anything is stored; the batch goes in one transaction, all or nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saip/saip.h"
#include "smdp/smdp_int.h"

/* Data rows of a CSV text: records (line ends outside quotes) after the header, empty
 * trailing lines not counted. */
static unsigned long csv_rows(const char *t, size_t n)
{
	unsigned long records = 0;
	bool quoted = false, content = false;

	for (size_t i = 0; i < n; i++) {
		if (t[i] == '"')
			quoted = !quoted;
		if (t[i] == '\n' && !quoted) {
			records += content;
			content = false;
		} else if (t[i] != '\r') {
			content = true;
		}
	}
	records += content;
	return records > 0 ? records - 1 : 0;
}

/* One row: its values, the package personalised with them (a check), then the store. */
static m2m_err import_row(m2m_store *st, const char *csv, size_t len, unsigned long row,
			  const m2m_smdp_type *ty, char *errbuf, size_t errlen)
{
	m2m_saip_perso p;
	m2m_saip_error e;
	m2m_buf sealed_in, pkg;
	char msg[256];
	const char *iccid, *imsi;
	m2m_err err;

	memset(&e, 0, sizeof e);
	m2m_saip_perso_init(&p);
	m2m_buf_init(&sealed_in);
	m2m_buf_init(&pkg);
	if ((err = m2m_saip_perso_csv(csv, len, row, &p, &e)) != M2M_OK) {
		snprintf(errbuf, errlen, "%s", e.msg);
		goto out;
	}
	iccid = p.value[M2M_SAIP_F_ICCID];
	imsi = p.value[M2M_SAIP_F_IMSI];
	if (iccid == NULL || p.value[M2M_SAIP_F_KI] == NULL || p.value[M2M_SAIP_F_OPC] == NULL) {
		snprintf(errbuf, errlen, "row %lu: iccid, ki and opc are required", row);
		err = M2M_ERR_FORMAT;
		goto out;
	}
	if ((err = smdp_personalise(ty->package, ty->package_len, &p, &pkg, msg, sizeof msg)) !=
	    M2M_OK) {
		snprintf(errbuf, errlen, "row %lu (ICCID %s): %s", row, iccid, msg);
		goto out;
	}
	if ((err = smdp_perso_encode(&p, &sealed_in)) != M2M_OK ||
	    (err = m2m_store_smdp_profile_add(st, iccid, ty->name, imsi, sealed_in.data,
					      sealed_in.len)) != M2M_OK)
		snprintf(errbuf, errlen, "row %lu (ICCID %s): %s", row, iccid,
			 err == M2M_ERR_FORMAT ? "bad value" : m2m_store_errmsg(st));
out:
	m2m_wipe(sealed_in.data, sealed_in.len);
	m2m_wipe(pkg.data, pkg.len);
	m2m_buf_free(&sealed_in);
	m2m_buf_free(&pkg);
	m2m_saip_perso_free(&p);
	return err;
}

static m2m_err import_batch(m2m_store *st, const m2m_buf *csv, const m2m_smdp_type *ty,
			    size_t *added, char *errbuf, size_t errlen)
{
	const char *t = (const char *)csv->data;
	unsigned long rows = csv_rows(t, csv->len);
	m2m_err err = M2M_OK;

	if (rows == 0) {
		snprintf(errbuf, errlen, "the batch has no data rows");
		return M2M_ERR_FORMAT;
	}
	for (unsigned long r = 1; r <= rows && err == M2M_OK; r++) {
		err = import_row(st, t, csv->len, r, ty, errbuf, errlen);
		if (err == M2M_OK)
			(*added)++;
	}
	return err;
}

m2m_err m2m_smdp_import(const m2m_smdp_cfg *cfg, const char *type, const char *mno_id,
			const char *package_path, const char *batch_path, uint64_t memory,
			size_t *added, char *errbuf, size_t errlen)
{
	m2m_store *st = NULL;
	m2m_buf pkg, csv;
	m2m_smdp_type ty;
	m2m_saip_pkg check;
	m2m_saip_error e;
	m2m_err err;

	*added = 0;
	memset(&ty, 0, sizeof ty);
	m2m_buf_init(&pkg);
	m2m_buf_init(&csv);
	m2m_saip_pkg_init(&check);
	if ((err = m2m_saip_read_file(package_path, &pkg)) != M2M_OK) {
		snprintf(errbuf, errlen, "cannot read %s", package_path);
		err = M2M_ERR_IO;
		goto out;
	}
	if ((err = m2m_saip_decode(pkg.data, pkg.len, &check, &e)) != M2M_OK) {
		snprintf(errbuf, errlen, "%s: not a SAIP package: %s", package_path, e.msg);
		goto out;
	}
	if (m2m_saip_read_file(batch_path, &csv) != M2M_OK) {
		snprintf(errbuf, errlen, "cannot read %s", batch_path);
		err = M2M_ERR_IO;
		goto out;
	}
	if ((err = m2m_store_open(cfg->db, cfg->master_key, &st, errbuf, errlen)) != M2M_OK) {
		err = M2M_ERR_IO;
		goto out;
	}
	snprintf(ty.name, sizeof ty.name, "%s", type);
	ty.package = pkg.data;
	ty.package_len = pkg.len;
	if ((err = m2m_store_begin(st)) != M2M_OK ||
	    (err = m2m_store_smdp_type_put(st, type, mno_id, pkg.data, pkg.len, memory)) !=
		    M2M_OK) {
		snprintf(errbuf, errlen, "profile type %s: %s", type, m2m_store_errmsg(st));
		goto out;
	}
	if ((err = import_batch(st, &csv, &ty, added, errbuf, errlen)) != M2M_OK)
		goto out;
	if ((err = m2m_store_commit(st)) != M2M_OK)
		snprintf(errbuf, errlen, "commit: %s", m2m_store_errmsg(st));
out:
	if (err != M2M_OK) {
		*added = 0;
		if (st != NULL)
			m2m_store_rollback(st);
	}
	m2m_store_close(st);
	m2m_saip_pkg_free(&check);
	m2m_wipe(csv.data, csv.len);
	m2m_buf_free(&csv);
	m2m_buf_free(&pkg);
	return err;
}
