/*
 * The farm's key derivation: every secret of a device comes from the farm seed and the
 * device's EID, so an SM-SR holding the seed derives the same keys (docs/devices.md "Key
 * derivation"):
 *
 *   K = KDF(seed, label, EID, KVN, key id, L)
 *     = NIST SP 800-108 counter mode, PRF AES-CMAC keyed with the seed (16, 24 or 32 bytes),
 *       8-bit counter i from 01 before the fixed input
 *       label || 00 || EID (16 bytes) || KVN || key id || L (16 bits, in bits)
 *
 * labels: "scp80" (ISD-R SCP80 key sets, key id 01 KIc, 02 KID, 03 DEK), "scp81" (the PSK,
 * KVN 40..4F), "ecasd" (SK.ECASD.ECKA: KVN 00, key id = attempt 00, 01... until the 32 bytes
 * are a valid scalar).
 */
#ifndef M2M_FARM_KEYS_H
#define M2M_FARM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "crypto/ec.h"
#include "euicc/euicc.h"

#define M2M_FARM_SEED_MAX 32
#define M2M_FARM_LABEL_SCP80 "scp80"
#define M2M_FARM_LABEL_SCP81 "scp81"
#define M2M_FARM_LABEL_ECASD "ecasd"
#define M2M_FARM_PSK_KVN 0x40

/* What the key sets of one device look like. */
typedef struct {
	unsigned scp80_sets;  /* 1..15: KVN 01..n, AES KIc/KID/DEK */
	size_t key_len;       /* SCP80 AES keys: 16, 24 or 32 */
	size_t psk_len;       /* SCP81 PSK (KVN 40, key id 01): 16 or 32; 0 = no PSK set */
} m2m_farm_keyspec;

/* out_len bytes (1..64) for (label, EID, KVN, key id). */
m2m_err m2m_farm_kdf(const uint8_t *seed, size_t seed_len, const char *label,
		     const uint8_t eid[16], uint8_t kvn, uint8_t key_id, uint8_t *out,
		     size_t out_len);
/* The ISD-R key sets (counters 0) into ks (room for M2M_EUICC_KEYSET_MAX); *n gets the
 * count. The caller wipes ks. */
m2m_err m2m_farm_keysets(const uint8_t *seed, size_t seed_len, const uint8_t eid[16],
			 const m2m_farm_keyspec *spec, m2m_euicc_keyset *ks, size_t *n);
/* SK.ECASD.ECKA on curve. */
m2m_err m2m_farm_ecasd_key(const uint8_t *seed, size_t seed_len, const uint8_t eid[16],
			   m2m_curve curve, m2m_eckey **key);

#endif
