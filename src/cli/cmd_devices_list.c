/*
 * m2mrsp devices list / show: offline views of a farm database. list prints every device
 * with what an SM-SR registers (EIS: ISD-R keys, counters, PSK, ISD-Ps); show prints one
 * device, or without an EID the farm's summary (count, EUM and CI public keys, packages).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd_devices.h"
#include "cli/opts.h"
#include "core/hex.h"
#include "euicc/euicc.h"
#include "farm/farm_db.h"
#include "farm/farm_ids.h"
#include "farm/farm_info.h"
#include "farm/farm_pkgs.h"

void m2m_devices_cmd_list_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp devices list --db FILE [--json]\n"
		"\n"
		"Prints every device of the farm database, one per line, in id order:\n"
		"  text:   EID MSISDN then scp80=KVN:KIC:KID:DEK:COUNTER per SCP80 key set,\n"
		"          psk=KVN:IDENTITY:KEY, isdp=TAR:STATE:ICCID[:fallback] per ISD-P\n"
		"          (keys in upper-case hex; KIc/KID algorithm AES)\n"
		"  --json: one JSON object per line (docs/devices.md \"Device JSON\"),\n"
		"          keys included.\n"
		"The output holds every secret key of the farm: treat it like the database.\n"
		"Exit 0 ok, 1 a stored state does not load, 2 usage, 3 I/O.\n");
}

void m2m_devices_cmd_show_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp devices show --db FILE [EID]\n"
		"\n"
		"With an EID (32 hex digits): that device as indented JSON, keys included.\n"
		"Without: the farm's summary: device count, EUM id, the EUM and CI public keys\n"
		"(PEM), the shared package bases.\n"
		"Exit 0 ok, 1 no such device, 2 usage, 3 I/O.\n");
}

typedef struct {
	m2m_farm_pkgs pkgs;
	bool json;
	m2m_err err;
	int64_t bad_id;
} list_ctx;

/* A stored row as a live eUICC. */
static m2m_err load_row(m2m_farm_pkgs *pkgs, const m2m_farm_row *r, m2m_euicc **e)
{
	m2m_buf st;
	m2m_err err;

	m2m_buf_init(&st);
	err = m2m_farm_state_expand(pkgs, r->state.data, r->state.len, &st);
	if (err == M2M_OK)
		err = m2m_euicc_load(st.data, st.len, e);
	m2m_buf_free(&st);
	return err;
}

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02X", p[i]);
}

static void text_keysets(FILE *f, const m2m_euicc *e, const json_t *info)
{
	const json_t *ks = json_object_get(info, "isdr_keysets"), *k;
	size_t i;

	for (int s = 0; s < M2M_EUICC_KEYSET_MAX; s++) {
		const m2m_euicc_keyset *k80 = &e->keysets[s];

		if (k80->kvn == 0 || k80->kvn >= 0x40)
			continue;
		fprintf(f, " scp80=%02X", k80->kvn);
		for (size_t j = 0; j < k80->nkeys; j++) {
			fputc(':', f);
			put_hex(f, k80->key[j].value, k80->key[j].len);
		}
		fprintf(f, ":%llu", (unsigned long long)k80->last_counter);
	}
	/* The PSK identity is built by farm_info; take it from there. */
	json_array_foreach(ks, i, k) {
		const json_t *keys = json_object_get(k, "keys"), *kk;
		size_t j;

		if (strcmp(json_string_value(json_object_get(k, "kind")), "scp81") != 0)
			continue;
		json_array_foreach(keys, j, kk) {
			const char *id = json_string_value(json_object_get(kk, "psk_identity"));
			const char *v = json_string_value(json_object_get(kk, "value"));
			unsigned kvn = (unsigned)json_integer_value(json_object_get(k, "kvn"));

			if (id != NULL && v != NULL)
				fprintf(f, " psk=%02X:%s:%s", kvn, id, v);
		}
	}
}

static void text_isdps(FILE *f, const m2m_euicc *e)
{
	char iccid[21];

	for (int i = 0; i < M2M_EUICC_ISDP_MAX; i++) {
		const m2m_euicc_isdp *p = &e->isdp[i];

		if (!p->used)
			continue;
		fprintf(f, " isdp=");
		put_hex(f, p->aid + 12, 3);
		fprintf(f, ":%s", m2m_farm_lcs_name(p->lcs));
		if (p->has_profile) {
			m2m_farm_iccid_digits(p->iccid, iccid);
			fprintf(f, ":%s", iccid);
		}
		if (p->fallback)
			fprintf(f, ":fallback");
	}
}

static m2m_err list_one(void *arg, const m2m_farm_row *r)
{
	list_ctx *c = arg;
	m2m_euicc *e = NULL;
	json_t *info = NULL;
	m2m_err err = load_row(&c->pkgs, r, &e);

	if (err != M2M_OK) {
		c->bad_id = r->id;
		return err;
	}
	err = M2M_ERR_NOMEM;
	if ((info = m2m_farm_info(e, r->msisdn, true)) == NULL)
		goto out;
	err = M2M_ERR_IO;
	if (c->json) {
		if (json_dumpf(info, stdout, JSON_COMPACT) != 0 || fputc('\n', stdout) == EOF)
			goto out;
	} else {
		put_hex(stdout, e->eid, 16);
		printf(" %s", r->msisdn);
		text_keysets(stdout, e, info);
		text_isdps(stdout, e);
		if (fputc('\n', stdout) == EOF)
			goto out;
	}
	err = M2M_OK;
out:
	json_decref(info);
	m2m_euicc_free(e);
	return err;
}

/* Opens the database and loads the package bases. */
static int open_farm(const char *what, const char *path, m2m_farm_db **db, m2m_farm_pkgs *pkgs)
{
	m2m_err err = m2m_farm_db_open(path, false, false, db);

	if (err == M2M_OK)
		err = m2m_farm_db_pkgs_load(*db, pkgs);
	if (err != M2M_OK)
		return m2m_cli_error(err == M2M_ERR_FORMAT ? M2M_EXIT_FAILED : M2M_EXIT_IO, what,
				     "%s: %s", path, err == M2M_ERR_FORMAT ?
				     "not a farm database" : "cannot open");
	return 0;
}

int m2m_devices_cmd_list(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("db"), M2M_FLAG("json")};
	m2m_farm_db *db = NULL;
	list_ctx c;
	m2m_err err;
	int rc;

	memset(&c, 0, sizeof c);
	if (m2m_farm_pkgs_init(&c.pkgs) != M2M_OK)
		return M2M_EXIT_FAILED;
	rc = m2m_opts_parse("devices list", argc, argv, o, 2, NULL, false);
	if (rc == 0)
		rc = open_farm("devices list", o[0].value, &db, &c.pkgs);
	if (rc != 0)
		goto out;
	c.json = o[1].value != NULL;
	err = m2m_farm_db_each(db, false, list_one, &c);
	if (err == M2M_OK && fflush(stdout) != 0)
		err = M2M_ERR_IO;
	if (err != M2M_OK && c.bad_id != 0)
		rc = m2m_cli_error(M2M_EXIT_FAILED, "devices list", "device %lld: stored state "
				   "does not load: %s", (long long)c.bad_id, m2m_strerror(err));
	else if (err != M2M_OK)
		rc = m2m_cli_error(m2m_devices_exit(err), "devices list", "%s",
				   m2m_strerror(err));
out:
	m2m_farm_db_close(db);
	m2m_farm_pkgs_free(&c.pkgs);
	return rc;
}

static int show_device(m2m_farm_db *db, m2m_farm_pkgs *pkgs, const char *eid_hex)
{
	uint8_t eid[16];
	m2m_farm_row r;
	m2m_euicc *e = NULL;
	json_t *info = NULL;
	m2m_err err;
	int rc;

	if (m2m_hex_decode_exact(eid_hex, eid, 16) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_USAGE, "devices show", "the EID is 32 hex digits");
	m2m_farm_row_init(&r);
	err = m2m_farm_db_by_eid(db, eid, &r);
	if (err == M2M_OK)
		err = load_row(pkgs, &r, &e);
	if (err == M2M_OK && (info = m2m_farm_info(e, r.msisdn, true)) == NULL)
		err = M2M_ERR_NOMEM;
	if (err == M2M_OK && (json_dumpf(info, stdout, JSON_INDENT(2)) != 0 ||
			      fputc('\n', stdout) == EOF || fflush(stdout) != 0))
		err = M2M_ERR_IO;
	if (err == M2M_ERR_TLV_NOT_FOUND)
		rc = m2m_cli_error(M2M_EXIT_FAILED, "devices show", "no device %s", eid_hex);
	else if (err != M2M_OK)
		rc = m2m_cli_error(m2m_devices_exit(err), "devices show", "%s", m2m_strerror(err));
	else
		rc = M2M_EXIT_OK;
	json_decref(info);
	m2m_euicc_free(e);
	m2m_farm_row_free(&r);
	return rc;
}

static json_t *meta_text(m2m_farm_db *db, const char *key)
{
	m2m_buf b;
	json_t *j = NULL;

	m2m_buf_init(&b);
	if (m2m_farm_db_meta_get(db, key, &b) == M2M_OK)
		j = json_stringn((const char *)b.data, b.len);
	m2m_buf_free(&b);
	return j != NULL ? j : json_null();
}

static int show_farm(m2m_farm_db *db, m2m_farm_pkgs *pkgs)
{
	json_t *o = json_object(), *bases = json_array();
	uint64_t n = 0;
	m2m_buf id;
	char hex[65];
	int rc = M2M_EXIT_OK;

	m2m_buf_init(&id);
	if (m2m_farm_db_count(db, &n) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_IO, "devices show", "%s", m2m_farm_db_error(db));
	json_object_set_new(o, "devices", json_integer((json_int_t)n));
	if (m2m_farm_db_meta_get(db, "eum_id", &id) == M2M_OK && id.len <= 32) {
		m2m_hex_encode(id.data, id.len, hex);
		json_object_set_new(o, "eum_id", json_string(hex));
	}
	json_object_set_new(o, "eum_public_key", meta_text(db, "eum_pub"));
	json_object_set_new(o, "ci_public_key", meta_text(db, "ci_pub"));
	for (size_t i = 0; i < pkgs->count; i++) {
		json_t *b = json_object();

		m2m_hex_encode(pkgs->pkg[i]->hash, 32, hex);
		json_object_set_new(b, "sha256", json_string(hex));
		json_object_set_new(b, "length", json_integer((json_int_t)pkgs->pkg[i]->len));
		json_array_append_new(bases, b);
	}
	json_object_set_new(o, "packages", bases);
	if (rc == M2M_EXIT_OK && (json_dumpf(o, stdout, JSON_INDENT(2)) != 0 ||
				  fputc('\n', stdout) == EOF || fflush(stdout) != 0))
		rc = M2M_EXIT_IO;
	json_decref(o);
	m2m_buf_free(&id);
	return rc;
}

int m2m_devices_cmd_show(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("db")};
	m2m_farm_db *db = NULL;
	m2m_farm_pkgs pkgs;
	const char *eid = NULL;
	int rc;

	if (m2m_farm_pkgs_init(&pkgs) != M2M_OK)
		return M2M_EXIT_FAILED;
	rc = m2m_opts_parse("devices show", argc, argv, o, 1, &eid, false);
	if (rc == 0)
		rc = open_farm("devices show", o[0].value, &db, &pkgs);
	if (rc == 0)
		rc = eid != NULL ? show_device(db, &pkgs, eid) : show_farm(db, &pkgs);
	m2m_farm_db_close(db);
	m2m_farm_pkgs_free(&pkgs);
	return rc;
}
