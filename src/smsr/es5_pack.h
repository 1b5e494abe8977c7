/*
 * Packaging of ES5 command sets for SMS (SGP.02 ES5 over SCP80, TS 102 225/226, TS 31.115):
 *
 *   command set -> plan: one or more TS 102 226 expanded scripts (AA L {[83 01 chain] 22...})
 *   script      -> SCP80 command packet (SPI, KIc, KID, TAR, counter from the caller's store)
 *   packet      -> TP-UDs: UDH 02 70 00 when it fits 140 octets, else concatenated
 *                  (IEI 00 or 08, then 70 in part 1), at most max_parts parts;
 *                  a script longer than that is cut between C-APDUs with script chaining.
 *
 * and the way back: the PoR (response packet, UDH 71) opened and matched to the packet by
 * TAR + counter, and the eUICC's MO notification (command packet, UDH 70, TAR 000001)
 * verified with the ISD-R's key set and decoded. Rules and choices: docs/es5.md.
 */
#ifndef M2M_SMSR_ES5_PACK_H
#define M2M_SMSR_ES5_PACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/scp80.h"
#include "card/script.h"
#include "core/buf.h"
#include "core/err.h"
#include "smsr/es5_cmd.h"

#define M2M_ES5_PARTS_DEFAULT 4  /* SMS per packet when the configuration says 0 */

/* How the SM-SR secures and splits packets for one eUICC. */
typedef struct {
	uint8_t spi[2];        /* 00 00 = SGP.02 default 16 39 */
	uint8_t kvn;           /* ISD-R SCP80 key set 01-0F: KIc = kvn|kic_alg, KID = kvn|kid_alg */
	uint8_t kic_alg;       /* low nibbles, M2M_SCP80_ALG_* (0 = AES) */
	uint8_t kid_alg;
	size_t max_parts;      /* SMS per packet, 1..255 (0 = M2M_ES5_PARTS_DEFAULT) */
	bool ref16;            /* concatenation IEI 08 (16-bit reference) instead of 00 */
} m2m_es5_pack_cfg;

/* The defaults filled in (SPI 16 39, AES/AES, key set 01 when kvn is 0, 4 parts). */
void m2m_es5_pack_defaults(m2m_es5_pack_cfg *cfg);
/* M2M_ERR_ARG for a configuration the packager cannot serve (no PoR always, DS, no CC...). */
m2m_err m2m_es5_pack_check(const m2m_es5_pack_cfg *cfg);

/* One script of the plan: C-APDUs first..first+count-1 of the command set. */
typedef struct {
	m2m_buf script;
	m2m_script_chain chain;
	size_t first;
	size_t count;
} m2m_es5_chunk;

typedef struct {
	m2m_es5_chunk chunk[M2M_ES5_APDU_MAX];
	size_t count;
} m2m_es5_plan;

void m2m_es5_plan_init(m2m_es5_plan *p);
void m2m_es5_plan_free(m2m_es5_plan *p);
/* Cuts the command set into scripts that each fit one packet of cfg->max_parts SMS.
 * M2M_ERR_BOUNDS when one C-APDU alone does not fit. */
m2m_err m2m_es5_plan_build(const m2m_es5_cmd *cmd, const m2m_es5_pack_cfg *cfg,
			   m2m_es5_plan *plan);
/* Length of the SCP80 command packet carrying a script of len bytes under cfg. */
size_t m2m_es5_packet_len(const m2m_es5_pack_cfg *cfg, size_t script_len);
/* Largest packet that max_parts SMS carry (137 for one, 132 + 134 per more with IEI 00). */
size_t m2m_es5_packet_room(size_t max_parts, bool ref16);

/* Takes the next counter of key set kvn of the eUICC, stored durably before returning
 * (a restart must never reuse it). */
typedef m2m_err (*m2m_es5_reserve_counter_fn)(void *arg, const uint8_t eid[M2M_ES5_EID_SIZE],
					      uint8_t kvn, uint64_t *counter);

/* One packet ready to leave: its header (TAR + counter to match the PoR) and TP-UDs. */
typedef struct {
	m2m_scp80_hdr hdr;
	m2m_buf *part;         /* nparts TP-UDs (UDH + slice of the packet) */
	size_t nparts;
	size_t cap;
} m2m_es5_packet;

void m2m_es5_packet_init(m2m_es5_packet *p);
void m2m_es5_packet_free(m2m_es5_packet *p);
/* Reserves a counter, wraps the chunk's script for tar and splits it (ref = concatenation
 * reference). The counter is consumed even if a later step fails. */
m2m_err m2m_es5_packet_build(const m2m_es5_pack_cfg *cfg, const m2m_scp80_keys *keys,
			     const uint8_t eid[M2M_ES5_EID_SIZE],
			     m2m_es5_reserve_counter_fn reserve, void *arg, const uint8_t tar[3],
			     const m2m_es5_chunk *chunk, uint16_t ref, m2m_es5_packet *out);

/* ---- the HTTPS bearer (es5_pack_https.c) ---- */

/* Appends the command set as one expanded script with indefinite length, AE 80 {[83 chain]
 * 22 C-APDU...} 00 00, for the SCP81 admin server (one script per command set: no packet
 * limit over HTTPS). M2M_ERR_ARG for an empty set; out is unchanged on failure. */
m2m_err m2m_es5_https_script(const m2m_es5_cmd *cmd, m2m_buf *out);

/* ---- the way back ---- */

/* What one TP-UD's header says (TS 23.040 UDH, TS 31.115 packet identifier). */
typedef struct {
	uint8_t iei;           /* 70 command packet, 71 response packet, 0 neither */
	bool concat;
	bool ref16;
	uint16_t ref;
	uint8_t total;         /* 1 when not concatenated */
	uint8_t seq;
	const uint8_t *payload;
	size_t payload_len;
} m2m_es5_ud;

/* M2M_ERR_FORMAT for a TP-UD without a UDH or with a bad concatenation element. */
m2m_err m2m_es5_ud_parse(const uint8_t *ud, size_t n, m2m_es5_ud *out);

typedef struct {
	uint8_t tar[3];
	uint64_t counter;
	uint8_t status;        /* TS 102 225 table 5 */
	bool secured;          /* false: an unsecured refusal (RHL 0A, no CC): not authenticated */
} m2m_es5_por;

/* Opens the PoR packet (reassembled, without UDH) answering command header cmd, with the
 * keys of cmd's key set. data (appended) gets the response script. A PoR without the RC/CC
 * that SPI2 asks for is accepted only as a refusal (status 01-0A, secured false, no data).
 * M2M_ERR_VERIFY: bad CC; M2M_ERR_FORMAT / M2M_ERR_BOUNDS: malformed. */
m2m_err m2m_es5_por_open(const m2m_scp80_hdr *cmd, const m2m_scp80_keys *keys,
			 const uint8_t *pkt, size_t n, m2m_es5_por *por, m2m_buf *data);
/* Whether an opened PoR answers packet cmd: same TAR and counter; an unsecured refusal
 * that could not read the counter (0) matches on the TAR (one packet in flight per card). */
bool m2m_es5_por_matches(const m2m_es5_por *por, const m2m_scp80_hdr *cmd);

/* An eUICC notification (sgp02-facts.md 2.3, sgp02-facts-2.md 7a). */
typedef struct {
	uint8_t eid[M2M_ES5_EID_SIZE];
	uint8_t type;          /* 01 declaration, 02 change ok, 03 roll-back, 05 fall-back */
	uint16_t seq;
	bool has_aid;
	uint8_t aid[M2M_ES5_AID_SIZE];
	size_t aid_len;
	bool has_imei;
	uint8_t imei[8];
	size_t imei_len;
	bool has_meid;
	uint8_t meid[8];
	size_t meid_len;
	uint8_t kvn;           /* key set that verified it */
} m2m_es5_notif;

/* The key set a notification packet names (KID high nibble), from its clear header, and
 * whether the header is one (TAR 000001, CC) this side accepts. */
m2m_err m2m_es5_notif_kvn(const uint8_t *pkt, size_t n, uint8_t *kvn);
/* Decodes E1 from an unciphered notification packet WITHOUT verifying it: only to find
 * the eUICC (EID) whose keys verify it next. */
m2m_err m2m_es5_notif_peek(const uint8_t *pkt, size_t n, m2m_es5_notif *nt);
/* Verifies the CC with keys (the ISD-R key set kid names) and decodes E1. M2M_ERR_VERIFY
 * for a bad CC; M2M_ERR_UNSUPPORTED for a packet without CC or with another TAR. */
m2m_err m2m_es5_notif_open(const uint8_t *pkt, size_t n, const m2m_scp80_keys *keys,
			   m2m_es5_notif *nt);
/* E1 { 4C EID, 4D type, 4E seq, [4F/2F/AF AID], [14/94 IMEI], [6D/ED MEID] }, exactly. */
m2m_err m2m_es5_notif_decode(const uint8_t *p, size_t n, m2m_es5_notif *nt);

#endif
