/*
 * m2mrsp eis make | verify | register: the EUM's side of ES1 (docs/eis.md). make turns the
 * devices of a farm (`devices list --json`) into signed EIS files, verify checks one file as
 * the SM-SR would, register sends files with ES1.RegisterEIS.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "core/hex.h"
#include "crypto/hash.h"
#include "crypto/pem.h"
#include "saip/saip.h"
#include "smsr/eis_device.h"
#include "smsr/eis_dsig.h"
#include "smsr/eis_file.h"
#include "smsr/eis_keys.h"
#include "smsr/eis_xml.h"
#include "ws/client.h"
#include "ws/schema.h"

#define FILES_MAX 4096

typedef struct {
	m2m_buf eum_cert, ci_cert;
	m2m_eckey *eum_key;
	uint8_t tk[M2M_EIS_TK_MAX];
	size_t tk_len;
	m2m_ws_schema *schema;
} eis_ctx;

static void ctx_free(eis_ctx *c)
{
	m2m_buf_free(&c->eum_cert);
	m2m_buf_free(&c->ci_cert);
	m2m_ec_free(c->eum_key);
	m2m_wipe(c->tk, sizeof c->tk);
	m2m_ws_schema_free(c->schema);
}

/* DIR/NAME unless the option overrides it. */
static void pki_path(char *out, size_t cap, const char *dir, const char *name, const char *opt)
{
	if (opt != NULL)
		snprintf(out, cap, "%s", opt);
	else
		snprintf(out, cap, "%s/%s", dir, name);
}

static int load_text(const char *what, const char *path, m2m_buf *out)
{
	if (m2m_saip_read_file(path, out) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_IO, what, "%s: cannot read", path);
	return 0;
}

static int load_schema(const char *what, eis_ctx *c)
{
	m2m_err err = m2m_ws_init();

	if (err == M2M_OK)
		err = m2m_ws_schema_load(NULL, &c->schema);
	if (err != M2M_OK)
		return m2m_cli_error(M2M_EXIT_IO, what, "cannot load the GSMA schema (set %s)",
				     M2M_WS_DIR_ENV);
	return 0;
}

static int tk_option(const char *what, const char *hex, eis_ctx *c)
{
	if (hex != NULL && m2m_eis_tk_parse(hex, c->tk, &c->tk_len) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_USAGE, what,
				     "--transport-key: 16, 24 or 32 bytes of hex");
	return 0;
}

/* ---- make ------------------------------------------------------------------------------ */

static void make_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp eis make --devices FILE --pki DIR --out DIR [--eum-id OID]\n"
		"           [--smsr-id OID] [--mno-id OID] [--profile-type TEXT]\n"
		"           [--transport-key HEX] [--eum-key FILE] [--eum-cert FILE]\n"
		"\n"
		"Writes one signed EIS per device of FILE (the output of `m2mrsp devices list\n"
		"--json`: one JSON object per device) to OUT/<EID>.xml: an Eis element of the GSMA\n"
		"v3 schema, signed by the EUM (DIR/eum1.key, DIR/eum1.crt unless given), its ISD-R\n"
		"keys encrypted under the transport key (AES-ECB, PKCS#7). Without --transport-key a\n"
		"random AES-128 key is made and written to OUT/transport.key: configure the SM-SR\n"
		"with it. Ids default to the test arc: EUM %s, SM-SR %s, MNO %s.\n"
		"Exit 0 ok, 1 a device cannot be made into an EIS, 2 usage, 3 I/O.\n",
		M2M_EIS_DEFAULT_EUM_ID, M2M_EIS_DEFAULT_SMSR_ID, M2M_EIS_DEFAULT_MNO_ID);
}

/* The transport key: given, or made and kept in OUT/transport.key (mode 0600). */
static int make_tk(const char *out_dir, const char *hex, eis_ctx *c)
{
	char path[4096], text[2 * M2M_EIS_TK_MAX + 2];
	FILE *f;
	int ok;

	if (hex != NULL)
		return tk_option("eis make", hex, c);
	c->tk_len = 16;
	if (m2m_random(c->tk, c->tk_len) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_FAILED, "eis make", "no random bytes");
	snprintf(path, sizeof path, "%s/transport.key", out_dir);
	m2m_eis_hex(c->tk, c->tk_len, text);
	strcat(text, "\n");
	mode_t old = umask(077);
	f = fopen(path, "w");
	umask(old);
	ok = f != NULL && fputs(text, f) >= 0;
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	m2m_wipe(text, sizeof text);
	if (!ok)
		return m2m_cli_error(M2M_EXIT_IO, "eis make", "%s: cannot write", path);
	printf("eis: transport key in %s\n", path);
	return 0;
}

static int write_file(const char *path, const m2m_buf *b)
{
	FILE *f = fopen(path, "wb");
	int ok = f != NULL && fwrite(b->data, 1, b->len, f) == b->len;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : m2m_cli_error(M2M_EXIT_IO, "eis make", "%s: cannot write", path);
}

/* Builds, signs, validates. Not indented: white space inside EumSignedInfo would be signed,
 * and the JSON mirror of the ws layer does not carry it (docs/eis.md). */
static m2m_err make_signed(eis_ctx *c, m2m_eis *e, m2m_buf *file, char *why, size_t cap)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_node *eis;
	m2m_ws_error verr;
	m2m_err err;

	if ((err = m2m_ws_request_new(M2M_WS_ES1_REGISTER_EIS, "eis-make", 0, &m)) != M2M_OK ||
	    (err = m2m_eis_build(m, NULL, e, c->tk, c->tk_len, &eis)) != M2M_OK ||
	    (err = m2m_eis_sign(m, eis, c->eum_key, c->eum_cert.data, c->eum_cert.len, NULL)) !=
		    M2M_OK)
		goto out;
	if ((err = m2m_ws_schema_validate_msg(c->schema, m, &verr)) != M2M_OK) {
		snprintf(why, cap, "not valid against the schema: %s", verr.status.message);
		goto out;
	}
	err = m2m_eis_file_write(eis, false, file);
out:
	if (err != M2M_OK && why[0] == '\0')
		snprintf(why, cap, "%s", m2m_strerror(err));
	m2m_ws_msg_free(m);
	return err;
}

static int make_one(eis_ctx *c, const json_t *dev, const m2m_eis_device_opts *o,
		    const char *out_dir, m2m_eis *e)
{
	char why[300] = "", path[4096];
	m2m_ws_exec_status st;
	m2m_buf file;
	int rc;

	if (m2m_eis_from_device(dev, o, e, why, sizeof why) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_FAILED, "eis make", "device %s: %s",
				     json_string_value(json_object_get(dev, "eid")), why);
	if (m2m_eis_check_ecasd(e, c->eum_cert.data, c->eum_cert.len, &st) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_FAILED, "eis make",
				     "device %s: %s (was the farm made with this EUM's key?)",
				     e->eid, st.message);
	m2m_buf_init(&file);
	if (make_signed(c, e, &file, why, sizeof why) != M2M_OK) {
		m2m_buf_free(&file);
		return m2m_cli_error(M2M_EXIT_FAILED, "eis make", "device %s: %s", e->eid, why);
	}
	snprintf(path, sizeof path, "%s/%s.xml", out_dir, e->eid);
	rc = write_file(path, &file);
	m2m_buf_free(&file);
	return rc;
}

/* Devices one after the other: JSON Lines, or any sequence of JSON objects. */
static int make_all(eis_ctx *c, const char *devices, const m2m_eis_device_opts *o,
		    const char *out_dir)
{
	FILE *f = fopen(devices, "r");
	m2m_eis *e = malloc(sizeof *e);
	size_t count = 0;
	int rc = 0, ch;

	if (f == NULL || e == NULL) {
		rc = m2m_cli_error(M2M_EXIT_IO, "eis make", "%s: cannot read", devices);
		goto out;
	}
	m2m_eis_init(e);
	while (rc == 0) {
		json_error_t jerr;
		json_t *dev;

		while ((ch = fgetc(f)) == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
			;
		if (ch == EOF)
			break;
		ungetc(ch, f);
		if ((dev = json_loadf(f, JSON_DISABLE_EOF_CHECK, &jerr)) == NULL) {
			rc = m2m_cli_error(M2M_EXIT_FAILED, "eis make", "%s:%d: %s", devices,
					   jerr.line, jerr.text);
			break;
		}
		rc = make_one(c, dev, o, out_dir, e);
		json_decref(dev);
		count++;
	}
	if (rc == 0)
		printf("eis: %zu EIS in %s\n", count, out_dir);
	m2m_eis_clear(e);
out:
	free(e);
	if (f != NULL)
		fclose(f);
	return rc;
}

static int make_run(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("devices"), M2M_OPT_REQ("pki"), M2M_OPT_REQ("out"),
		       M2M_OPT("eum-id"), M2M_OPT("smsr-id"), M2M_OPT("mno-id"),
		       M2M_OPT("profile-type"), M2M_OPT("transport-key"), M2M_OPT("eum-key"),
		       M2M_OPT("eum-cert")};
	m2m_eis_device_opts d = {M2M_EIS_DEFAULT_EUM_ID, M2M_EIS_DEFAULT_SMSR_ID,
				 M2M_EIS_DEFAULT_MNO_ID, NULL, time(NULL)};
	char path[4096];
	eis_ctx c;
	int rc = m2m_opts_parse("eis make", argc, argv, o, sizeof o / sizeof o[0], NULL, false);

	memset(&c, 0, sizeof c);
	if (rc != 0)
		return rc;
	d.eum_id = o[3].value != NULL ? o[3].value : d.eum_id;
	d.smsr_id = o[4].value != NULL ? o[4].value : d.smsr_id;
	d.mno_id = o[5].value != NULL ? o[5].value : d.mno_id;
	d.profile_type = o[6].value;
	if (!m2m_ws_code_valid(d.eum_id) || !m2m_ws_code_valid(d.smsr_id) ||
	    !m2m_ws_code_valid(d.mno_id))
		return m2m_cli_error(M2M_EXIT_USAGE, "eis make",
				     "--eum-id, --smsr-id and --mno-id are object identifiers "
				     "(digits and dots): the schema's ObjectIdentifierType");
	if (mkdir(o[2].value, 0755) != 0 && errno != EEXIST)
		return m2m_cli_error(M2M_EXIT_IO, "eis make", "%s: cannot create", o[2].value);
	pki_path(path, sizeof path, o[1].value, "eum1.key", o[8].value);
	if (m2m_ec_load_pem(path, true, &c.eum_key) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_IO, "eis make", "%s: no EC private key", path);
	pki_path(path, sizeof path, o[1].value, "eum1.crt", o[9].value);
	if (rc == 0)
		rc = load_text("eis make", path, &c.eum_cert);
	if (rc == 0)
		rc = load_schema("eis make", &c);
	if (rc == 0)
		rc = make_tk(o[2].value, o[7].value, &c);
	if (rc == 0)
		rc = make_all(&c, o[0].value, &d, o[2].value);
	ctx_free(&c);
	return rc;
}

/* ---- verify ---------------------------------------------------------------------------- */

static void verify_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp eis verify --pki DIR [--eum-cert FILE] [--ci FILE]\n"
		"           [--transport-key HEX] FILE.xml\n"
		"\n"
		"Checks an EIS file as ES1.RegisterEIS does: schema, structure, the EumSignature\n"
		"against the EUM certificate (DIR/eum1.crt) issued by the CI (DIR/ci.crt),\n"
		"CERT.ECASD.ECKA signed by the EUM, and with --transport-key the ISD-R keys\n"
		"(decryption and KCV). Prints 'FILE: valid ...' or 'FILE: SUBJECT/REASON why'.\n"
		"Exit 0 valid, 1 not valid, 2 usage, 3 I/O.\n");
}

static int refused(const char *file, const m2m_ws_exec_status *st)
{
	printf("%s: %s/%s %s\n", file, st->subject, st->reason, st->message);
	return M2M_EXIT_FAILED;
}

static int verify_file(eis_ctx *c, const char *file, bool with_keys)
{
	m2m_ws_msg *m = NULL;
	m2m_ws_node *node;
	m2m_ws_error verr;
	m2m_ws_exec_status st;
	m2m_eis *e = malloc(sizeof *e);
	m2m_buf text;
	char why[256];
	int rc = 0;

	m2m_buf_init(&text);
	if (e == NULL || (rc = load_text("eis verify", file, &text)) != 0)
		goto out;
	m2m_eis_init(e);
	if (m2m_eis_file_read(text.data, text.len, "eis-verify", &m, &node, why, sizeof why) !=
	    M2M_OK) {
		printf("%s: %s/%s not an EIS file: %s\n", file, M2M_WS_SUBJ_EIS,
		       M2M_WS_REASON_INVALID, why);
		rc = M2M_EXIT_FAILED;
	} else if (m2m_ws_schema_validate_msg(c->schema, m, &verr) != M2M_OK) {
		rc = refused(file, &verr.status);
	} else if (m2m_eis_parse(node, e, &st) != M2M_OK ||
		   m2m_eis_verify(node, c->eum_cert.data, c->eum_cert.len, c->ci_cert.data,
				  c->ci_cert.len, &st) != M2M_OK ||
		   m2m_eis_check_ecasd(e, c->eum_cert.data, c->eum_cert.len, &st) != M2M_OK ||
		   (with_keys && m2m_eis_keys_unwrap(e, c->tk, c->tk_len, &st) != M2M_OK)) {
		rc = refused(file, &st);
	} else {
		printf("%s: valid EIS of EID %s (EUM %s, %zu profile(s), %zu ISD-R key set(s)%s)\n",
		       file, e->eid, e->eum_id, e->nprofiles, e->isdr.nkeysets,
		       with_keys ? ", keys checked" : "");
	}
	m2m_eis_clear(e);
out:
	free(e);
	m2m_buf_free(&text);
	m2m_ws_msg_free(m);
	return rc;
}

static int verify_run(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("pki"), M2M_OPT("eum-cert"), M2M_OPT("ci"),
		       M2M_OPT("transport-key")};
	const char *file = NULL;
	char path[4096];
	eis_ctx c;
	int rc = m2m_opts_parse("eis verify", argc, argv, o, sizeof o / sizeof o[0], &file, true);

	memset(&c, 0, sizeof c);
	if (rc != 0)
		return rc;
	rc = tk_option("eis verify", o[3].value, &c);
	pki_path(path, sizeof path, o[0].value, "eum1.crt", o[1].value);
	if (rc == 0)
		rc = load_text("eis verify", path, &c.eum_cert);
	pki_path(path, sizeof path, o[0].value, "ci.crt", o[2].value);
	if (rc == 0)
		rc = load_text("eis verify", path, &c.ci_cert);
	if (rc == 0)
		rc = load_schema("eis verify", &c);
	if (rc == 0)
		rc = verify_file(&c, file, o[3].value != NULL);
	ctx_free(&c);
	return rc;
}

/* ---- register -------------------------------------------------------------------------- */

static void register_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp eis register --url URL --cert FILE --key FILE --ca FILE [--json]\n"
		"           FILE.xml...\n"
		"\n"
		"Sends each EIS file to the SM-SR with ES1.RegisterEIS (SOAP, or the JSON mirror\n"
		"with --json) over HTTPS with the EUM's TLS client certificate, e.g. --url\n"
		"https://127.0.0.1:8443/soap/es1, and prints 'EID: STATUS [SUBJECT/REASON why]'.\n"
		"Exit 0 all registered, 1 one was refused, 2 usage, 3 connection or I/O.\n");
}

/* Splits options (handed to m2m_opts_parse) from the files. */
static int split_args(int argc, char **argv, const m2m_opt *o, size_t n, char **opts,
		      int *nopts, const char **files, size_t *nfiles)
{
	*nopts = 0;
	*nfiles = 0;
	opts[(*nopts)++] = argv[0];
	for (int i = 1; i < argc; i++) {
		bool takes = false;

		if (strncmp(argv[i], "--", 2) != 0) {
			if (*nfiles == FILES_MAX)
				return m2m_cli_error(M2M_EXIT_USAGE, "eis register",
						     "more than %d files", FILES_MAX);
			files[(*nfiles)++] = argv[i];
			continue;
		}
		for (size_t j = 0; j < n; j++)
			if (strcmp(argv[i] + 2, o[j].name) == 0 && !o[j].flag)
				takes = true;
		opts[(*nopts)++] = argv[i];
		if (takes && i + 1 < argc)
			opts[(*nopts)++] = argv[++i];
	}
	if (*nfiles == 0)
		return m2m_cli_error(M2M_EXIT_USAGE, "eis register", "no EIS file given");
	return 0;
}

/* Sends one file; prints its outcome. */
static int register_one(m2m_ws_client *cl, const char *url, const char *file)
{
	char why[256], call_id[M2M_WS_MESSAGE_ID_SIZE];
	m2m_ws_result res;
	m2m_ws_exec_status st;
	m2m_ws_msg *m = NULL;
	m2m_ws_node *eis;
	m2m_buf text;
	const char *eid;
	int rc = 0;

	memset(&res, 0, sizeof res);
	m2m_buf_init(&text);
	if ((rc = load_text("eis register", file, &text)) != 0)
		goto out;
	if (m2m_ws_new_message_id(call_id, sizeof call_id) != M2M_OK ||
	    m2m_eis_file_read(text.data, text.len, call_id, &m, &eis, why, sizeof why) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, "eis register", "%s: %s", file, why);
		goto out;
	}
	eid = m2m_ws_node_text(m2m_ws_find(eis, "EumSignedInfo/Eid"));
	if (m2m_ws_client_call(cl, url, m, NULL, &res) == M2M_ERR_IO) {
		rc = m2m_cli_error(M2M_EXIT_IO, "eis register", "%s: %s", url,
				   m2m_ws_client_error(cl));
	} else if (res.fault || res.response == NULL) {
		printf("%s: FAILED %s\n", eid != NULL ? eid : file,
		       res.fault ? res.error.text : res.accepted ? "accepted (202): no answer"
								  : res.error.status.message);
		rc = M2M_EXIT_FAILED;
	} else if (m2m_ws_msg_status(res.response, &st) == M2M_OK) {
		printf("%s: %s", eid != NULL ? eid : file, m2m_ws_status_name(st.status));
		if (st.subject[0] != '\0')
			printf(" %s/%s %s", st.subject, st.reason, st.message);
		printf("\n");
		rc = st.status == M2M_WS_EXECUTED_SUCCESS ||
				     st.status == M2M_WS_EXECUTED_WITHWARNING ?
			     0 :
			     M2M_EXIT_FAILED;
	} else {
		rc = m2m_cli_error(M2M_EXIT_FAILED, "eis register", "%s: no status in the answer",
				   file);
	}
out:
	m2m_ws_result_free(&res);
	m2m_ws_msg_free(m);
	m2m_buf_free(&text);
	return rc;
}

static int register_run(int argc, char **argv)
{
	m2m_opt o[] = {M2M_OPT_REQ("url"), M2M_OPT_REQ("cert"), M2M_OPT_REQ("key"),
		       M2M_OPT_REQ("ca"), M2M_FLAG("json")};
	const size_t n = sizeof o / sizeof o[0];
	char **opts = calloc((size_t)argc + 1, sizeof *opts);
	const char **files = calloc(FILES_MAX, sizeof *files);
	m2m_ws_client *cl = NULL;
	size_t nfiles = 0;
	int nopts = 0, rc = M2M_EXIT_IO, worst = 0;
	eis_ctx c;

	memset(&c, 0, sizeof c);
	if (opts == NULL || files == NULL)
		goto out;
	if ((rc = split_args(argc, argv, o, n, opts, &nopts, files, &nfiles)) != 0 ||
	    (rc = m2m_opts_parse("eis register", nopts, opts, o, n, NULL, false)) != 0 ||
	    (rc = load_schema("eis register", &c)) != 0)
		goto out;
	m2m_ws_client_opts co = {.http = {.ca_file = o[3].value, .cert_file = o[1].value,
					  .key_file = o[2].value},
				 .schema = c.schema,
				 .binding = o[4].value != NULL ? M2M_WS_JSON : M2M_WS_SOAP};
	if (m2m_ws_client_new(&co, &cl) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_IO, "eis register", "cannot set up the client");
		goto out;
	}
	for (size_t i = 0; i < nfiles; i++) {
		rc = register_one(cl, o[0].value, files[i]);
		if (rc == M2M_EXIT_IO) {
			worst = rc;
			break;
		}
		if (rc > worst)
			worst = rc;
	}
	rc = worst;
out:
	m2m_ws_client_free(cl);
	ctx_free(&c);
	free(opts);
	free(files);
	return rc;
}

static const m2m_verb eis_verbs[] = {
	{"make", "signed EIS files for the devices of a farm", make_run, make_help, NULL},
	{"verify", "check an EIS file: schema, EUM signature, ECASD certificate, keys",
	 verify_run, verify_help, NULL},
	{"register", "send EIS files to an SM-SR (ES1.RegisterEIS)", register_run,
	 register_help, NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

const m2m_verb m2m_verb_eis = {"eis", "the EUM's EIS: make, verify, register (ES1)", NULL,
			       NULL, eis_verbs};
