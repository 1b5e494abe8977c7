/* m2mrsp scp03t wrap | unwrap: both ends of the SGP.02 SCP03t download channel
 * (ARCHITECTURE.md section 6). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/scp03t.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/hex.h"

static int keys_arg(const char *what, const char *enc_hex, const char *mac_hex, uint8_t kvn,
		    m2m_scp03_keys *k)
{
	uint8_t enc[M2M_SCP03_KEY_MAX], mac[M2M_SCP03_KEY_MAX];
	size_t enc_len = 0, mac_len = 0;
	int rc = 0;
	if (m2m_hex_decode(enc_hex, enc, sizeof enc, &enc_len) != M2M_OK ||
	    m2m_hex_decode(mac_hex, mac, sizeof mac, &mac_len) != M2M_OK || enc_len != mac_len ||
	    m2m_scp03_keys_set(k, enc, mac, enc_len, kvn) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_USAGE, what,
				   "--enc and --mac must be AES keys of one length (16, 24 or 32 bytes)");
	m2m_wipe(enc, sizeof enc);
	m2m_wipe(mac, sizeof mac);
	return rc;
}

static int read_file(const char *what, const char *path, m2m_buf *out)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return m2m_cli_error(M2M_EXIT_IO, what, "%s: %s", path, strerror(errno));
	int rc = M2M_EXIT_OK;
	uint8_t chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (m2m_buf_append(out, chunk, got) != M2M_OK) {
			rc = m2m_cli_error(M2M_EXIT_FAILED, what, "out of memory");
			goto out;
		}
	}
	if (ferror(f))
		rc = m2m_cli_error(M2M_EXIT_IO, what, "%s: read error", path);
out:
	fclose(f);
	return rc;
}

/* ---- wrap: the SM-DP side ---- */

static void wrap_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp scp03t wrap --enc HEX --mac HEX --kvn HEX2 --host-challenge HEX16\n"
		"                          --card-response HEX [--segment-size N] FILE\n"
		"\n"
		"The SM-DP side of SGP.02 SCP03t. Checks the card cryptogram in the card's INITIALIZE\n"
		"UPDATE answer (--card-response: the value of its 84 response TLV) against the static\n"
		"keys --enc/--mac (AES-128/192/256) of key version --kvn and the host challenge the 84\n"
		"command carried, then prints the 85 command TLV and one 86 command TLV per segment of\n"
		"FILE (N plaintext bytes each, default 1024), one lower-case hex TLV per line.\n"
		"Security level 33 (C-MAC, C-DECRYPTION, R-MAC, R-ENCRYPTION).\n"
		"\n"
		"exit codes: 0 ok, 1 wrong card cryptogram or bad card response, 2 usage, 3 I/O\n");
}

static int wrap_segments(m2m_scp03t_host *h, const m2m_buf *data, size_t seg)
{
	int rc = M2M_EXIT_OK;
	m2m_buf tlv;
	m2m_buf_init(&tlv);
	for (size_t off = 0; off < data->len && rc == M2M_EXIT_OK; off += seg) {
		size_t n = data->len - off < seg ? data->len - off : seg;
		tlv.len = 0;
		m2m_err err = m2m_scp03t_host_segment(h, data->data + off, n, &tlv);
		if (err != M2M_OK)
			rc = m2m_cli_error(M2M_EXIT_FAILED, "scp03t wrap", "segment at %zu: %s", off,
					   m2m_strerror(err));
		else
			rc = m2m_cli_print_hex_line("scp03t wrap", tlv.data, tlv.len);
	}
	m2m_buf_free(&tlv);
	return rc;
}

static int parse_segment_size(const char *s, size_t *seg)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = s != NULL ? strtoul(s, &end, 10) : M2M_SCP03T_SEGMENT_DEFAULT;
	if (s != NULL && (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0 ||
			  v > M2M_SCP03T_SEGMENT_MAX))
		return m2m_cli_error(M2M_EXIT_USAGE, "scp03t wrap",
				     "--segment-size: expected 1 to %d", M2M_SCP03T_SEGMENT_MAX);
	*seg = v;
	return 0;
}

static int wrap_run(int argc, char **argv)
{
	const char *what = "scp03t wrap";
	m2m_opt o[] = {M2M_OPT_REQ("enc"), M2M_OPT_REQ("mac"), M2M_OPT_REQ("kvn"), M2M_OPT_REQ("host-challenge"),
		       M2M_OPT_REQ("card-response"), M2M_OPT("segment-size")};
	const char *file = NULL;
	m2m_scp03_keys keys;
	m2m_scp03t_host h;
	m2m_buf resp, data, tlv;
	memset(&keys, 0, sizeof keys);
	memset(&h, 0, sizeof h);
	m2m_buf_init(&resp);
	m2m_buf_init(&data);
	m2m_buf_init(&tlv);
	uint8_t kvn = 0, hc[8];
	size_t seg = 0;
	int rc = m2m_opts_parse(what, argc, argv, o, sizeof o / sizeof o[0], &file, true);
	if (rc == 0)
		rc = m2m_opt_hex(what, &o[2], &kvn, 1);
	if (rc == 0)
		rc = m2m_opt_hex(what, &o[3], hc, sizeof hc);
	if (rc == 0 && m2m_hex_decode_buf(o[4].value, &resp) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "--card-response: malformed hex");
	if (rc == 0)
		rc = parse_segment_size(o[5].value, &seg);
	if (rc == 0)
		rc = keys_arg(what, o[0].value, o[1].value, kvn, &keys);
	if (rc == 0)
		rc = read_file(what, file, &data);
	if (rc != 0)
		goto out;
	m2m_err err = m2m_scp03t_host_init(&h, &keys, 0x00, hc);
	if (err == M2M_OK)
		err = m2m_scp03t_host_auth(&h, resp.data, resp.len, &tlv);
	if (err != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, what, "card response rejected: %s%s",
				   m2m_strerror(err),
				   err == M2M_ERR_VERIFY ? " (wrong card cryptogram or KVN)" : "");
		goto out;
	}
	rc = m2m_cli_print_hex_line(what, tlv.data, tlv.len);
	if (rc == 0)
		rc = wrap_segments(&h, &data, seg);
out:
	m2m_scp03t_host_wipe(&h);
	m2m_scp03_keys_wipe(&keys);
	m2m_buf_free(&resp);
	m2m_buf_free(&data);
	m2m_buf_free(&tlv);
	return rc;
}

/* ---- unwrap: the card (ISD-P) side ---- */

static void unwrap_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp scp03t unwrap --enc HEX --mac HEX --aid HEX --sequence-counter HEX6\n"
		"                            --out FILE [--key-div-data HEX20] [--kvn HEX2]\n"
		"\n"
		"The card (ISD-P) side of SGP.02 SCP03t. Reads command TLVs (84, 85, 86...), one hex\n"
		"string per line on standard input, and prints the answer to each on its own line:\n"
		"the 84 response (key diversification data, 10 zero bytes by default, KVN, 03 70, the\n"
		"pseudo-random card challenge derived from the sequence counter and --aid, the card\n"
		"cryptogram, the sequence counter), 8500, then 8600 per accepted segment. Without\n"
		"--kvn any KVN in the 84 command is accepted and echoed. The recovered plaintext is\n"
		"written to FILE. The first command that fails its checks is answered with 9F44,\n"
		"9F45 or 9F46 (01 malformed or out of sequence, 02 verification failed, 03 no such\n"
		"key) and ends the run with exit code 1; FILE then holds the segments accepted before.\n"
		"\n"
		"exit codes: 0 ok, 1 a check failed, 2 usage, 3 I/O\n");
}

/* Strips trailing CR/LF and blanks in place; returns the length left. */
static size_t trim_line(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
			 s[n - 1] == '\t'))
		s[--n] = '\0';
	return n;
}

static int unwrap_one(m2m_scp03t_card *c, const char *line, size_t lineno, m2m_buf *plain)
{
	int rc = M2M_EXIT_OK;
	m2m_buf cmd, resp;
	m2m_buf_init(&cmd);
	m2m_buf_init(&resp);
	m2m_err err = m2m_hex_decode_buf(line, &cmd);
	if (err != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, "scp03t unwrap", "line %zu: malformed hex", lineno);
		goto out;
	}
	err = m2m_scp03t_card_process(c, cmd.data, cmd.len, &resp, plain);
	if (resp.len > 0)
		rc = m2m_cli_print_hex_line("scp03t unwrap", resp.data, resp.len);
	if (err != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_FAILED, "scp03t unwrap", "line %zu: command rejected: %s",
				   lineno, m2m_strerror(err));
out:
	m2m_buf_free(&cmd);
	m2m_buf_free(&resp);
	return rc;
}

static int unwrap_loop(m2m_scp03t_card *c, m2m_buf *plain)
{
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	int rc = M2M_EXIT_OK;
	while (rc == M2M_EXIT_OK && getline(&line, &cap, stdin) >= 0) {
		lineno++;
		if (trim_line(line) > 0)
			rc = unwrap_one(c, line, lineno, plain);
	}
	if (rc == M2M_EXIT_OK && ferror(stdin))
		rc = m2m_cli_error(M2M_EXIT_IO, "scp03t unwrap", "read error on standard input");
	free(line);
	return rc;
}

static int write_file(const char *path, const m2m_buf *data)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL)
		return m2m_cli_error(M2M_EXIT_IO, "scp03t unwrap", "%s: %s", path, strerror(errno));
	int rc = M2M_EXIT_OK;
	if ((data->len > 0 && fwrite(data->data, 1, data->len, f) != data->len) || ferror(f))
		rc = m2m_cli_error(M2M_EXIT_IO, "scp03t unwrap", "%s: write error", path);
	if (fclose(f) != 0 && rc == M2M_EXIT_OK)
		rc = m2m_cli_error(M2M_EXIT_IO, "scp03t unwrap", "%s: write error", path);
	return rc;
}

static int unwrap_run(int argc, char **argv)
{
	const char *what = "scp03t unwrap";
	m2m_opt o[] = {M2M_OPT_REQ("enc"), M2M_OPT_REQ("mac"), M2M_OPT_REQ("aid"), M2M_OPT_REQ("sequence-counter"),
		       M2M_OPT_REQ("out"), M2M_OPT("key-div-data"), M2M_OPT("kvn")};
	m2m_scp03_keys keys;
	m2m_scp03t_card card;
	memset(&keys, 0, sizeof keys);
	memset(&card, 0, sizeof card);
	m2m_buf plain;
	m2m_buf_init(&plain);
	uint8_t aid[M2M_SCP03_AID_MAX], seq[3], kd[M2M_SCP03_KEY_DIV] = {0}, kvn = 0;
	size_t aid_len = 0;
	int rc = m2m_opts_parse(what, argc, argv, o, sizeof o / sizeof o[0], NULL, false);
	if (rc == 0 && (m2m_hex_decode(o[2].value, aid, sizeof aid, &aid_len) != M2M_OK ||
			aid_len < 5))
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "--aid: expected 5 to 16 bytes of hex");
	if (rc == 0)
		rc = m2m_opt_hex(what, &o[3], seq, sizeof seq);
	if (rc == 0 && o[5].value != NULL)
		rc = m2m_opt_hex(what, &o[5], kd, sizeof kd);
	if (rc == 0 && o[6].value != NULL)
		rc = m2m_opt_hex(what, &o[6], &kvn, 1);
	if (rc == 0)
		rc = keys_arg(what, o[0].value, o[1].value, kvn, &keys);
	if (rc == 0 && m2m_scp03t_card_init(&card, &keys, aid, aid_len, seq, kd,
					    o[6].value == NULL) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "bad card parameters");
	if (rc != 0)
		goto out;
	rc = unwrap_loop(&card, &plain);
	/* The accepted segments are verified data: keep them even after a later failure. */
	int wrc = write_file(o[4].value, &plain);
	if (rc == M2M_EXIT_OK)
		rc = wrc;
out:
	m2m_scp03t_card_wipe(&card);
	m2m_scp03_keys_wipe(&keys);
	m2m_buf_free(&plain);
	return rc;
}

static const m2m_verb scp03t_verbs[] = {
	{"wrap", "SM-DP side: check the card's 84 answer, print the 85 and 86 TLVs of a file",
	 wrap_run, wrap_help, NULL},
	{"unwrap", "card side: answer 84/85/86 TLVs read from stdin, recover the file",
	 unwrap_run, unwrap_help, NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

const m2m_verb m2m_verb_scp03t = {"scp03t", "SGP.02 SCP03t profile download channel (wrap, unwrap)",
				  NULL, NULL, scp03t_verbs};
