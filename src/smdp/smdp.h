/*
 * The SM-DP daemon (`m2mrsp smdp --config FILE`, docs/smdp.md): configuration, the profile
 * inventory import, and the ES2 service whose DownloadProfile drives the download engine
 * (eligibility.h, es8_session.h) through the SM-SR's ES3.
 */
#ifndef M2M_SMDP_SMDP_H
#define M2M_SMDP_SMDP_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "smdp/es8_session.h"

#define M2M_SMDP_STR 256
#define M2M_SMDP_LIST_MAX 32

/* [smsr.NAME]: an SM-SR, chosen by the Smsr-id of a request. */
typedef struct {
	char name[64];
	char oid[M2M_SMDP_STR];
	char url[M2M_SMDP_STR]; /* its ES3 endpoint, https://HOST:PORT/soap/es3 */
} m2m_smdp_smsr;

/* A key = value pair of [callers] (CN = OID), [peers] (MNO OID = URL), [eum] (EUM OID =
 * certificate file). */
typedef struct {
	char key[M2M_SMDP_STR];
	char value[M2M_SMDP_STR];
} m2m_smdp_pair;

typedef struct {
	/* [smdp] */
	char id[M2M_SMDP_STR];
	char oid[M2M_SMDP_STR];
	char db[M2M_SMDP_STR];
	char master_key[65];
	m2m_log_level log_level;
	m2m_log_format log_format;
	char wsdl_dir[M2M_SMDP_STR];
	/* the name this process's downloads carry in the store, so that it cleans up after its
	 * own restart only (default: id; distinct per process sharing a database) */
	char instance[128];
	/* [es] */
	char es_host[M2M_SMDP_STR];
	uint16_t es_port;
	char es_cert[M2M_SMDP_STR];
	char es_key[M2M_SMDP_STR];
	char es_ca[M2M_SMDP_STR];
	char es_address[M2M_SMDP_STR];
	bool allow_without_cert;
	/* [gp] */
	char ci_cert[M2M_SMDP_STR];
	char dp_cert[M2M_SMDP_STR];
	char dp_key[M2M_SMDP_STR];
	/* [download] */
	unsigned workers;
	m2m_es8_keys_policy keys;
	unsigned segment_size;
	unsigned payload_max;
	unsigned timeout_s;   /* one ES3 call, SendData included */
	bool need_http;       /* refuse eUICCs without HTTPS (SCP81) */
	bool send_imsi;       /* IMSI in ProfileDownloadCompleted's SubscriptionAddress */
	/* [smsr.NAME], [callers], [peers], [eum] */
	size_t nsmsr;
	m2m_smdp_smsr smsr[M2M_SMDP_LIST_MAX];
	size_t ncallers;
	m2m_smdp_pair callers[M2M_SMDP_LIST_MAX];
	size_t npeers;
	m2m_smdp_pair peers[M2M_SMDP_LIST_MAX];
	size_t neums;
	m2m_smdp_pair eums[M2M_SMDP_LIST_MAX];
} m2m_smdp_cfg;

/* Loads and checks the configuration; on error errbuf names the key and why. */
m2m_err m2m_smdp_cfg_load(const char *path, m2m_smdp_cfg *cfg, char *errbuf, size_t errlen);
m2m_err m2m_smdp_cfg_parse(const char *text, size_t len, m2m_smdp_cfg *cfg, char *errbuf,
			   size_t errlen);
/* The identifier of a TLS caller in ES messages: [callers] maps its CN, else the CN. */
const char *m2m_smdp_caller_oid(const m2m_smdp_cfg *cfg, const char *cn);
/* The SM-SR with that object identifier; NULL when not configured. */
const m2m_smdp_smsr *m2m_smdp_smsr_by_oid(const m2m_smdp_cfg *cfg, const char *oid);
/* The certificate file of an EUM (by Eum-id); NULL when not configured. */
const char *m2m_smdp_eum_cert(const m2m_smdp_cfg *cfg, const char *eum_id);
/* Where ES2 notifications for the MNO go; NULL when not configured. */
const char *m2m_smdp_peer_url(const m2m_smdp_cfg *cfg, const char *mno_id);

/* `m2mrsp smdp keys`: writes the SCP03 key set kept for the installed profile iccid to out as
 * one JSON line (iccid, eid, isdp_aid, kvn, enc, mac, dek in hex); with [download] keys =
 * handover the store then forgets it (*forgot). M2M_END: unknown ICCID or no key set kept;
 * M2M_ERR_STATE: the profile is not installed. errbuf says which. */
m2m_err m2m_smdp_keys_export(const m2m_smdp_cfg *cfg, const char *iccid, FILE *out,
			     bool *forgot, char *errbuf, size_t errlen);

/* `m2mrsp smdp import`: the profile type (name, MNO, SAIP package, memory 0 = the package's
 * length) and the profiles of a CSV batch. *added counts the new profiles; on failure
 * nothing of the batch is kept and errbuf says which line and why. */
m2m_err m2m_smdp_import(const m2m_smdp_cfg *cfg, const char *type, const char *mno_id,
			const char *package_path, const char *batch_path, uint64_t memory,
			size_t *added, char *errbuf, size_t errlen);

/* Runs the daemon until SIGINT/SIGTERM; prints "es HOST:PORT" once it listens. Returns the
 * exit code (0 clean stop, 3 start-up failure). */
int m2m_smdp_run(const m2m_smdp_cfg *cfg);

#endif
