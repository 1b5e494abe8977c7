/*
 * `m2mrsp devices init`: N factory-fresh eUICCs in a farm database. Each device gets its
 * EID, MSISDN and ICCID by number, its ISD-R key sets and SK.ECASD.ECKA from the seed
 * (farm_keys.h), a CERT.ECASD.ECKA signed by the EUM key, and the bootstrap profile: the
 * SAIP package with the device's ICCID, installed with m2m_euicc_isdp_install_package into
 * ISD-P TAR 000010, enabled (and fall-back). Optionally a second profile (its own ICCID,
 * personalised the same way) in ISD-P TAR 000011, installed and left disabled, as an SM-DP
 * download would leave it. docs/devices.md "Provisioning".
 */
#ifndef M2M_FARM_PROVISION_H
#define M2M_FARM_PROVISION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "crypto/ec.h"
#include "euicc/euicc.h"
#include "farm/farm_db.h"
#include "farm/farm_keys.h"
#include "farm/farm_pkgs.h"
#include "saip/saip.h"

#define M2M_FARM_COUNT_MAX 10000000u
#define M2M_FARM_BOOT_TAR 0x000010u
#define M2M_FARM_SECOND_TAR 0x000011u

typedef struct {
	uint64_t count;                  /* 1..M2M_FARM_COUNT_MAX */
	const char *first_eid;           /* 32 digits (its check digits are recomputed) */
	const char *msisdn_base;         /* device i: base + i, same digit count (<= 15) */
	const char *iccid_base;          /* 19 digits: device i gets base + i and a Luhn digit */
	const uint8_t *seed;
	size_t seed_len;                 /* 16, 24 or 32 */
	const uint8_t *bootstrap;        /* SAIP package (DER) */
	size_t bootstrap_len;
	const uint8_t *second;           /* optional second SAIP package (DER), or NULL */
	size_t second_len;
	const char *second_iccid_base;   /* 19 digits: device i's second profile gets base + i */
	const m2m_eckey *eum;            /* signs CERT.ECASD.ECKA (private key) */
	const m2m_eckey *ci;             /* PK.CI.ECDSA */
	const uint8_t *eum_id;           /* CA identifier (42) and C9 of the certificates */
	size_t eum_id_len;               /* 1..32 */
	m2m_farm_keyspec keys;
	m2m_curve curve;                 /* of SK.ECASD.ECKA */
	uint32_t mem_total, mem_volatile, isdp_default_mem, boot_mem;
	bool boot_fallback;
	unsigned jobs;                   /* generating threads, 1..16 */
	unsigned batch;                  /* devices per transaction */
	void (*progress)(void *arg, uint64_t done, uint64_t total);
	void *progress_arg;
} m2m_farm_init_cfg;

/* Per-thread scratch: the decoded bootstrap package, personalised per device. */
typedef struct {
	m2m_saip_pkg boot;
	m2m_saip_pkg second;             /* decoded cfg->second (has_second) */
	bool has_second;
	char why[400];                   /* the reason of the last failure */
} m2m_farm_maker;

m2m_err m2m_farm_maker_init(m2m_farm_maker *m, const m2m_farm_init_cfg *cfg);
void m2m_farm_maker_free(m2m_farm_maker *m);
/* The eUICC of device i (0-based) and its MSISDN. */
m2m_err m2m_farm_make_card(m2m_farm_maker *m, const m2m_farm_init_cfg *cfg, uint64_t i,
			   m2m_euicc **out, char msisdn[16]);

/* The second package (farm_provision_second.c): decoded after m2m_farm_maker_init (which
 * clears the maker), installed on a made card, freed with the maker. Without cfg->second
 * init and install do nothing. */
m2m_err m2m_farm_second_init(m2m_farm_maker *m, const m2m_farm_init_cfg *cfg);
m2m_err m2m_farm_second_install(m2m_farm_maker *m, const m2m_farm_init_cfg *cfg, uint64_t i,
				m2m_euicc *e);
void m2m_farm_second_free(m2m_farm_maker *m);

/* Fills an empty database (M2M_ERR_STATE if it holds devices). *why (optional) gets a
 * reason on failure. */
m2m_err m2m_farm_provision(m2m_farm_db *db, m2m_farm_pkgs *pkgs, const m2m_farm_init_cfg *cfg,
			   char *why, size_t why_cap);

#endif
