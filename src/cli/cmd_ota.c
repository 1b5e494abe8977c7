/* m2mrsp ota: offline SCP80 tools (ARCHITECTURE.md section 6). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "card/scp80.h"
#include "card/sms.h"
#include "cli/cli.h"
#include "cli/opts.h"
#include "core/hex.h"

/* Options of the SCP80 verbs, by name; each verb's table lists the ones it takes. */
static const m2m_opt *get(const m2m_opt *o, size_t n, const char *name)
{
	return m2m_opts_get(o, n, name);
}

static int counter_opt(const char *what, const m2m_opt *o, uint64_t *v)
{
	uint8_t b[5];
	int rc = m2m_opt_hex(what, o, b, sizeof b);
	*v = 0;
	for (size_t i = 0; i < sizeof b; i++)
		*v = (*v << 8) | b[i];
	return rc;
}

/* An optional key; absent leaves k empty. */
static int key_opt(const char *what, const m2m_opt *o, m2m_scp80_key *k)
{
	uint8_t b[M2M_SCP80_MAX_KEY];
	size_t n = 0;
	int rc = 0;
	if (o->value != NULL && (m2m_hex_decode(o->value, b, sizeof b, &n) != M2M_OK || n == 0))
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "--%s needs 1 to 32 bytes of hex", o->name);
	else if (o->value != NULL)
		m2m_scp80_key_set(k, b, n);
	m2m_wipe(b, sizeof b);
	return rc;
}

/* --kic-key and --kid-key. */
static int keys_opts(const char *what, const m2m_opt *o, size_t n, m2m_scp80_keys *keys)
{
	int rc = key_opt(what, get(o, n, "kic-key"), &keys->kic);
	if (rc == 0)
		rc = key_opt(what, get(o, n, "kid-key"), &keys->kid);
	return rc;
}

/* --spi, --kic, --kid, --tar and --counter of a command header. */
static int hdr_opts(const char *what, const m2m_opt *o, size_t n, m2m_scp80_hdr *hdr)
{
	int rc = m2m_opt_hex(what, get(o, n, "spi"), hdr->spi, 2);
	if (rc == 0)
		rc = m2m_opt_hex(what, get(o, n, "kic"), &hdr->kic, 1);
	if (rc == 0)
		rc = m2m_opt_hex(what, get(o, n, "kid"), &hdr->kid, 1);
	if (rc == 0)
		rc = m2m_opt_hex(what, get(o, n, "tar"), hdr->tar, 3);
	if (rc == 0)
		rc = counter_opt(what, get(o, n, "counter"), &hdr->counter);
	return rc;
}

static void print_hex(const char *name, const uint8_t *p, size_t n, const char *sep)
{
	char buf[2 * 16 + 1];
	printf("\"%s\":\"", name);
	for (size_t i = 0; i < n; i += 16) {
		size_t k = n - i < 16 ? n - i : 16;
		m2m_hex_encode(p + i, k, buf);
		fputs(buf, stdout);
	}
	printf("\"%s", sep);
}

static void print_counter(uint64_t v)
{
	printf("\"counter\":\"%010" PRIx64 "\",", v);
}

/* Maps a library error to an exit code: bad arguments are usage errors, the rest failures. */
static int lib_error(const char *what, m2m_err err, const char *detail)
{
	int code = err == M2M_ERR_ARG ? M2M_EXIT_USAGE : M2M_EXIT_FAILED;
	return m2m_cli_error(code, what, "%s%s", m2m_strerror(err), detail);
}

/* Reads PACKET_HEX; drops a leading UDH "02 iei 00" when the length field behind it fits. */
static int read_packet(const char *what, const char *hex, uint8_t iei, m2m_buf *pkt)
{
	if (m2m_hex_decode_buf(hex, pkt) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_USAGE, what, "PACKET_HEX is not hex");
	const uint8_t *p = pkt->data;
	size_t n = pkt->len;
	bool plain_fits = n >= 2 && (size_t)(p[0] << 8 | p[1]) + 2 == n;
	if (!plain_fits && n >= 5 && p[0] == 0x02 && p[1] == iei && p[2] == 0x00 &&
	    (size_t)(p[3] << 8 | p[4]) + 5 == n) {
		memmove(pkt->data, pkt->data + 3, n - 3);
		pkt->len = n - 3;
	}
	return 0;
}

static void wrap_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp ota wrap --spi HEX4 --kic HEX2 --kid HEX2 --tar HEX6 --counter HEX10\n"
		"                       [--kic-key HEX] [--kid-key HEX] DATA_HEX\n"
		"\n"
		"Prints the SCP80 command packet (ETSI TS 102 225, SMS dialect; CPL first, without\n"
		"the UDH 02 70 00) that secures DATA_HEX (may be \"\"), as lower-case hex on one line.\n"
		"SPI byte 1 selects RC/CC (b2b1), ciphering (b3) and the counter mode (b5b4); the\n"
		"algorithms come from the low nibbles of KIc and KID (KIc 2 AES-CBC, 5 3DES 2 keys,\n"
		"9 3DES 3 keys; KID for CC 2 AES-CMAC, 5/9 3DES CBC-MAC; KID for RC 1 CRC16,\n"
		"5 CRC32), the key indexes from their high nibbles. DS is refused (exit 1).\n"
		"SGP.02 default: --spi 1639, ISD-R TAR 000001.\n");
}

static int wrap_run(int argc, char **argv)
{
	const char *what = "ota wrap";
	m2m_opt o[] = {M2M_OPT_REQ("spi"), M2M_OPT_REQ("kic"), M2M_OPT_REQ("kid"), M2M_OPT_REQ("tar"),
		       M2M_OPT_REQ("counter"), M2M_OPT("kic-key"), M2M_OPT("kid-key")};
	const size_t n = sizeof o / sizeof o[0];
	const char *data_hex;
	m2m_scp80_hdr hdr;
	m2m_scp80_keys keys;
	m2m_buf data, out;
	memset(&hdr, 0, sizeof hdr);
	memset(&keys, 0, sizeof keys);
	m2m_buf_init(&data);
	m2m_buf_init(&out);
	int rc = m2m_opts_parse(what, argc, argv, o, n, &data_hex, true);
	if (rc == 0)
		rc = hdr_opts(what, o, n, &hdr);
	if (rc == 0)
		rc = keys_opts(what, o, n, &keys);
	if (rc == 0 && m2m_hex_decode_buf(data_hex, &data) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "DATA_HEX is not hex");
	if (rc == 0 && (hdr.spi[0] & M2M_SCP80_SPI1_CIPHER) && keys.kic.len == 0)
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "ciphering (SPI b3) needs --kic-key");
	if (rc == 0 && (hdr.spi[0] & M2M_SCP80_SPI1_CHK_MASK) == M2M_SCP80_CHK_CC &&
	    keys.kid.len == 0)
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "a CC needs --kid-key");
	if (rc != 0)
		goto out;
	m2m_err err = m2m_scp80_wrap(&hdr, &keys, data.data, data.len, &out);
	if (err != M2M_OK) {
		rc = lib_error(what, err, " (check SPI, KIc/KID algorithms and key lengths)");
		goto out;
	}
	rc = m2m_cli_print_hex_line(what, out.data, out.len);
out:
	m2m_scp80_keys_wipe(&keys);
	m2m_buf_free(&data);
	m2m_buf_free(&out);
	return rc;
}

static void unwrap_command_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp ota unwrap-command [--kic-key HEX] [--kid-key HEX]\n"
		"                                 [--last-counter HEX10] PACKET_HEX\n"
		"\n"
		"Opens an SCP80 command packet as the card does (CPL first; a leading UDH 02 70 00 is\n"
		"accepted): deciphers it, checks the RC/CC and, only with --last-counter, the counter\n"
		"rule of SPI b5b4. Prints one JSON object with \"spi\", \"kic\", \"kid\", \"tar\",\n"
		"\"counter\", \"pcntr\", \"por_status\" and the secured \"data\", as hex. A bad\n"
		"checksum, a refused counter or a malformed packet exits 1 and names the PoR status.\n");
}

static int unwrap_command_run(int argc, char **argv)
{
	const char *what = "ota unwrap-command";
	m2m_opt o[] = {M2M_OPT("kic-key"), M2M_OPT("kid-key"), M2M_OPT("last-counter")};
	const size_t n = sizeof o / sizeof o[0];
	const char *pkt_hex;
	m2m_scp80_hdr hdr;
	m2m_scp80_keys keys;
	uint64_t last = 0;
	uint8_t status = 0;
	m2m_buf pkt, data;
	memset(&keys, 0, sizeof keys);
	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	const m2m_opt *last_opt = get(o, n, "last-counter");
	int rc = m2m_opts_parse(what, argc, argv, o, n, &pkt_hex, true);
	if (rc == 0)
		rc = keys_opts(what, o, n, &keys);
	if (rc == 0 && last_opt->value != NULL)
		rc = counter_opt(what, last_opt, &last);
	if (rc == 0)
		rc = read_packet(what, pkt_hex, M2M_SMS_IEI_CPI, &pkt);
	if (rc != 0)
		goto out;
	m2m_err err = m2m_scp80_unwrap_command(pkt.data, pkt.len, &keys,
					       last_opt->value != NULL ? &last : NULL, &hdr,
					       &status, &data);
	if (err != M2M_OK) {
		char detail[96];
		snprintf(detail, sizeof detail, " (PoR status %02x %s)", status,
			 m2m_scp80_por_status_name(status));
		rc = lib_error(what, err, detail);
		goto out;
	}
	putchar('{');
	print_hex("spi", hdr.spi, 2, ",");
	print_hex("kic", &hdr.kic, 1, ",");
	print_hex("kid", &hdr.kid, 1, ",");
	print_hex("tar", hdr.tar, 3, ",");
	print_counter(hdr.counter);
	print_hex("pcntr", &hdr.pcntr, 1, ",");
	print_hex("por_status", &status, 1, ",");
	print_hex("data", data.data, data.len, "}\n");
	rc = M2M_EXIT_OK;
out:
	m2m_scp80_keys_wipe(&keys);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
	return rc;
}

static void unwrap_response_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp ota unwrap-response --spi HEX4 --kic HEX2 --kid HEX2\n"
		"                                  [--kic-key HEX] [--kid-key HEX] PACKET_HEX\n"
		"\n"
		"Opens a PoR (SCP80 response packet; RPL first, a leading UDH 02 71 00 is accepted)\n"
		"sent for a command with this SPI, KIc and KID: SPI byte 2 says whether the PoR is\n"
		"ciphered (b5) and which RC/CC it carries (b4b3). Prints one JSON object with \"tar\",\n"
		"\"counter\", \"pcntr\", \"status\", \"status_name\" and the response \"data\".\n"
		"A bad checksum or a malformed packet exits 1.\n");
}

static int unwrap_response_run(int argc, char **argv)
{
	const char *what = "ota unwrap-response";
	m2m_opt o[] = {M2M_OPT_REQ("spi"), M2M_OPT_REQ("kic"), M2M_OPT_REQ("kid"), M2M_OPT("kic-key"), M2M_OPT("kid-key")};
	const size_t n = sizeof o / sizeof o[0];
	const char *pkt_hex;
	uint8_t spi[2], kic = 0, kid = 0;
	m2m_scp80_rsp rsp;
	m2m_scp80_keys keys;
	m2m_buf pkt, data;
	memset(&keys, 0, sizeof keys);
	m2m_buf_init(&pkt);
	m2m_buf_init(&data);
	int rc = m2m_opts_parse(what, argc, argv, o, n, &pkt_hex, true);
	if (rc == 0)
		rc = m2m_opt_hex(what, get(o, n, "spi"), spi, 2);
	if (rc == 0)
		rc = m2m_opt_hex(what, get(o, n, "kic"), &kic, 1);
	if (rc == 0)
		rc = m2m_opt_hex(what, get(o, n, "kid"), &kid, 1);
	if (rc == 0)
		rc = keys_opts(what, o, n, &keys);
	if (rc == 0)
		rc = read_packet(what, pkt_hex, M2M_SMS_IEI_RPI, &pkt);
	if (rc != 0)
		goto out;
	m2m_err err = m2m_scp80_unwrap_response(spi, kic, kid, &keys, pkt.data, pkt.len, &rsp,
						&data);
	if (err != M2M_OK) {
		rc = lib_error(what, err, err == M2M_ERR_VERIFY ? " (PoR RC/CC mismatch)" : "");
		goto out;
	}
	putchar('{');
	print_hex("tar", rsp.tar, 3, ",");
	print_counter(rsp.counter);
	print_hex("pcntr", &rsp.pcntr, 1, ",");
	print_hex("status", &rsp.status, 1, ",");
	printf("\"status_name\":\"%s\",", m2m_scp80_por_status_name(rsp.status));
	print_hex("data", data.data, data.len, "}\n");
	rc = M2M_EXIT_OK;
out:
	m2m_scp80_keys_wipe(&keys);
	m2m_buf_free(&pkt);
	m2m_buf_free(&data);
	return rc;
}

static void wrap_response_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp ota wrap-response --spi HEX4 --kic HEX2 --kid HEX2 --tar HEX6\n"
		"                                --counter HEX10 --status HEX2\n"
		"                                [--kic-key HEX] [--kid-key HEX] DATA_HEX\n"
		"\n"
		"Builds the PoR a card sends for a command with this header (card side; SPI byte 2\n"
		"rules). Prints the SMS user data, UDH 02 71 00 first, as lower-case hex.\n");
}

static int wrap_response_run(int argc, char **argv)
{
	const char *what = "ota wrap-response";
	m2m_opt o[] = {M2M_OPT_REQ("spi"), M2M_OPT_REQ("kic"), M2M_OPT_REQ("kid"), M2M_OPT_REQ("tar"),
		       M2M_OPT_REQ("counter"), M2M_OPT_REQ("status"), M2M_OPT("kic-key"), M2M_OPT("kid-key")};
	const size_t n = sizeof o / sizeof o[0];
	const char *data_hex;
	uint8_t status = 0;
	m2m_scp80_hdr hdr;
	m2m_scp80_keys keys;
	m2m_buf data, out;
	memset(&hdr, 0, sizeof hdr);
	memset(&keys, 0, sizeof keys);
	m2m_buf_init(&data);
	m2m_buf_init(&out);
	int rc = m2m_opts_parse(what, argc, argv, o, n, &data_hex, true);
	if (rc == 0)
		rc = hdr_opts(what, o, n, &hdr);
	if (rc == 0)
		rc = m2m_opt_hex(what, get(o, n, "status"), &status, 1);
	if (rc == 0)
		rc = keys_opts(what, o, n, &keys);
	if (rc == 0 && m2m_hex_decode_buf(data_hex, &data) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "DATA_HEX is not hex");
	if (rc != 0)
		goto out;
	m2m_err err = m2m_buf_append(&out, (const uint8_t[]){0x02, 0x71, 0x00}, 3);
	if (err == M2M_OK)
		err = m2m_scp80_wrap_response(&hdr, &keys, status, data.data, data.len, &out);
	if (err != M2M_OK) {
		rc = lib_error(what, err, "");
		goto out;
	}
	rc = m2m_cli_print_hex_line(what, out.data, out.len);
out:
	m2m_scp80_keys_wipe(&keys);
	m2m_buf_free(&data);
	m2m_buf_free(&out);
	return rc;
}

static void sms_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp ota sms [--oa DIGITS] [--ton-npi HEX2] [--scts HEX14]\n"
		"                      [--ref HEX4] [--ref16] PACKET_HEX\n"
		"\n"
		"Prints the SMS-DELIVER TPDUs (3GPP TS 23.040) that carry the SCP80 command packet\n"
		"PACKET_HEX (CPL first, as `ota wrap` prints it) to the card, one lower-case hex TPDU\n"
		"per line: PID 7F, DCS F6 (class 2, 8-bit), UDH with the command packet identifier\n"
		"70 00, and, when the packet does not fit one SM (137 octets), a concatenation\n"
		"element (IEI 00 with an 8-bit reference, IEI 08 with --ref16) in every part.\n"
		"--oa is the originating address (default 0, TON/NPI 81), --scts the service centre\n"
		"time stamp as 7 semi-octet bytes (default: now, UTC), --ref the concatenation\n"
		"reference (default 0).\n");
}

/* The SCTS of now, in UTC. */
static void scts_now(uint8_t out[7])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	m2m_sms_time st = {(unsigned)tm.tm_year % 100, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday,
			   (unsigned)tm.tm_hour, (unsigned)tm.tm_min, (unsigned)tm.tm_sec, 0};
	m2m_sms_scts_encode(&st, out);
}

static int sms_tpdu_opts(const char *what, const m2m_opt *o, size_t n, m2m_sms_tpdu *t,
			 uint16_t *ref)
{
	const m2m_opt *oa = get(o, n, "oa"), *ton = get(o, n, "ton-npi");
	const m2m_opt *scts = get(o, n, "scts"), *r = get(o, n, "ref");
	uint8_t ref_b[2] = {0, 0};
	int rc = 0;
	t->addr.ton_npi = 0x81;
	snprintf(t->addr.digits, sizeof t->addr.digits, "%s", oa->value != NULL ? oa->value : "0");
	if (oa->value != NULL && strlen(oa->value) > M2M_SMS_ADDR_MAX_DIGITS)
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "--oa has more than %d digits",
				   M2M_SMS_ADDR_MAX_DIGITS);
	if (rc == 0 && ton->value != NULL)
		rc = m2m_opt_hex(what, ton, &t->addr.ton_npi, 1);
	if (rc == 0 && scts->value != NULL)
		rc = m2m_opt_hex(what, scts, t->scts, 7);
	else if (rc == 0)
		scts_now(t->scts);
	if (rc == 0 && r->value != NULL)
		rc = m2m_opt_hex(what, r, ref_b, 2);
	*ref = (uint16_t)(ref_b[0] << 8 | ref_b[1]);
	t->pid = M2M_SMS_PID_SIM_DL;
	t->dcs = M2M_SMS_DCS_CLASS2_8BIT;
	t->udhi = true;
	return rc;
}

static int print_deliver(const char *what, m2m_sms_tpdu *t, const m2m_buf *ud)
{
	m2m_buf tpdu;
	m2m_buf_init(&tpdu);
	t->ud = ud->data;
	t->ud_len = ud->len;
	m2m_err err = m2m_sms_deliver_encode(t, &tpdu);
	int rc = err == M2M_OK ? m2m_cli_print_hex_line(what, tpdu.data, tpdu.len)
			       : lib_error(what, err, " (check --oa and --ton-npi)");
	m2m_buf_free(&tpdu);
	return rc;
}

static int sms_run(int argc, char **argv)
{
	const char *what = "ota sms";
	m2m_opt o[] = {M2M_OPT("oa"), M2M_OPT("ton-npi"), M2M_OPT("scts"), M2M_OPT("ref"),
		       M2M_FLAG("ref16")};
	const size_t n = sizeof o / sizeof o[0];
	const char *pkt_hex;
	m2m_sms_tpdu t;
	uint16_t ref = 0;
	size_t count = 0;
	m2m_buf pkt, parts[M2M_SMS_MAX_PARTS];
	memset(&t, 0, sizeof t);
	m2m_buf_init(&pkt);
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_init(&parts[i]);
	int rc = m2m_opts_parse(what, argc, argv, o, n, &pkt_hex, true);
	if (rc == 0)
		rc = sms_tpdu_opts(what, o, n, &t, &ref);
	if (rc == 0)
		rc = read_packet(what, pkt_hex, M2M_SMS_IEI_CPI, &pkt);
	if (rc != 0)
		goto out;
	bool ref16 = get(o, n, "ref16")->value != NULL;
	if (!ref16 && ref > 0xFF) {
		rc = m2m_cli_error(M2M_EXIT_USAGE, what, "--ref above 00ff needs --ref16");
		goto out;
	}
	m2m_err err = m2m_sms_segment(M2M_SMS_IEI_CPI, pkt.data, pkt.len, ref, ref16, parts,
				      M2M_SMS_MAX_PARTS, &count);
	if (err != M2M_OK) {
		rc = lib_error(what, err, " (packet too long for 255 SMS?)");
		goto out;
	}
	for (size_t i = 0; i < count && rc == 0; i++)
		rc = print_deliver(what, &t, &parts[i]);
out:
	m2m_buf_free(&pkt);
	for (size_t i = 0; i < M2M_SMS_MAX_PARTS; i++)
		m2m_buf_free(&parts[i]);
	return rc;
}

static const m2m_verb ota_verbs[] = {
	{"wrap", "build an SCP80 command packet (server side)", wrap_run, wrap_help, NULL},
	{"unwrap-command", "open and check an SCP80 command packet (card side)",
	 unwrap_command_run, unwrap_command_help, NULL},
	{"unwrap-response", "open and check a PoR (server side)", unwrap_response_run,
	 unwrap_response_help, NULL},
	{"wrap-response", "build a PoR (card side)", wrap_response_run, wrap_response_help, NULL},
	{"sms", "the SMS-DELIVER TPDUs that carry a command packet", sms_run, sms_help, NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

const m2m_verb m2m_verb_ota = {"ota", "SCP80 over SMS: wrap and unwrap secured packets", NULL,
			       NULL, ota_verbs};
