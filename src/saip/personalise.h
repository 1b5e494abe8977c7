/*
 * Personalisation of a decoded SAIP package (docs/saip-personalise.md): each setter validates
 * its input first and changes nothing when it refuses it; errors go to err (index/type name
 * the element when one is involved) and never contain secret values.
 */
#ifndef M2M_SAIP_PERSONALISE_H
#define M2M_SAIP_PERSONALISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "saip/saip.h"

/* Luhn check digit ('0'..'9') of n decimal digits, or -1 if one is not a digit. */
int m2m_saip_luhn(const char *digits, size_t n);

/* ICCID: 19 or 20 digits whose last one is the Luhn check digit (verified); with add_check,
 * 18 or 19 digits to which the check digit is appended. Sets the header iccid (plain BCD, F
 * padded) and the content of EF.ICCID in every mf element (nibble-swapped BCD, F padded). */
m2m_err m2m_saip_set_iccid(m2m_saip_pkg *pkg, const char *digits, bool add_check,
			   m2m_saip_error *err);
/* IMSI: 6 to 15 digits. Sets EF.IMSI (TS 31.102 4.2.2) and EF.ACC (bit of the last digit, TS
 * 22.011 4.2) in every usim element. */
m2m_err m2m_saip_set_imsi(m2m_saip_pkg *pkg, const char *digits, m2m_saip_error *err);
/* The 9 bytes of EF.IMSI for digits (6 to 15 of them). */
m2m_err m2m_saip_imsi_encode(const char *digits, uint8_t out[9]);

/* PIN (4 to 8 digits, or ADM1..: also 16 hex digits for a raw 8-byte value) and PUK (8 digits)
 * by key reference, in every pinCodes/pukCodes element that holds that reference. */
m2m_err m2m_saip_set_pin(m2m_saip_pkg *pkg, uint8_t key_ref, const char *value,
			 m2m_saip_error *err);
m2m_err m2m_saip_set_puk(m2m_saip_pkg *pkg, uint8_t key_ref, const char *value,
			 m2m_saip_error *err);

/* The algorithm parameters of every akaParameter element with an algoParameter; a NULL
 * pointer or algorithm_id 0 leaves that field as it is. A new algorithm_id also sets the
 * header's algorithm services (milenage, tuak128/256, usim-test-algorithm) to those used. */
typedef struct {
	long algorithm_id;          /* 1 milenage, 2 tuak, 3 usim-test-algorithm */
	const uint8_t *options;     /* algorithmOptions, 1 byte */
	const uint8_t *key;         /* Ki: 16 bytes (TUAK: 16 or 32) */
	size_t key_len;
	const uint8_t *opc;         /* OPc (TUAK: TOPc), as key */
	size_t opc_len;
	const uint8_t *rotation;    /* Milenage r1..r5, 5 bytes */
	const uint8_t *xoring;      /* Milenage c1..c5, 80 bytes */
} m2m_saip_aka;

m2m_err m2m_saip_set_aka(m2m_saip_pkg *pkg, const m2m_saip_aka *aka, m2m_saip_error *err);

/* One key of the MNO-SD (the first securityDomain element): replaced when (kvn, id) exists,
 * else added. type 0 keeps the existing key type (0x88 AES for a new key); usage 0 keeps the
 * existing qualifier (new key: 0x18 KIc, 0x14 KID, 0x48 KIK). */
typedef struct {
	uint8_t kvn;
	uint8_t id;       /* 1 KIc, 2 KID, 3 KIK */
	uint8_t type;     /* 0x80/0x82 DES (16 or 24 bytes), 0x88 AES (16, 24 or 32) */
	uint8_t usage;
	const uint8_t *data;
	size_t len;
} m2m_saip_sd_key;

m2m_err m2m_saip_set_sd_key(m2m_saip_pkg *pkg, const m2m_saip_sd_key *key, m2m_saip_error *err);

/* POL1 (header pol): 1 to 16 bytes, stored as given. */
m2m_err m2m_saip_set_pol1(m2m_saip_pkg *pkg, const uint8_t *p, size_t n, m2m_saip_error *err);
/* SGP.02 connectivity parameters (header connectivityParameters): one or more BER-TLVs, as
 * the value of the 3A07 DGI (sgp02-facts-2 2b). */
m2m_err m2m_saip_set_connectivity(m2m_saip_pkg *pkg, const uint8_t *p, size_t n,
				  m2m_saip_error *err);
/* Appends A0 { 06 { TON/NPI, BCD } }: the SMS parameters with the SMS centre address,
 * "+digits" (international, 91) or "digits" (unknown, 81), at most 20 digits. */
m2m_err m2m_saip_connectivity_sms(const char *smsc, m2m_buf *out);

/*
 * Named values, from options or one CSV row: the field names are the CSV column names.
 * Values are copied and wiped when replaced or freed.
 */
typedef enum {
	M2M_SAIP_F_ICCID,
	M2M_SAIP_F_IMSI,
	M2M_SAIP_F_KI,
	M2M_SAIP_F_OPC,
	M2M_SAIP_F_ALGORITHM,
	M2M_SAIP_F_ALGORITHM_OPTIONS,
	M2M_SAIP_F_ROTATION,
	M2M_SAIP_F_XORING,
	M2M_SAIP_F_PIN1,
	M2M_SAIP_F_PIN2,
	M2M_SAIP_F_ADM1,
	M2M_SAIP_F_ADM2,
	M2M_SAIP_F_PUK1,
	M2M_SAIP_F_PUK2,
	M2M_SAIP_F_KVN,
	M2M_SAIP_F_KEY_TYPE,
	M2M_SAIP_F_KIC,
	M2M_SAIP_F_KID,
	M2M_SAIP_F_KIK,
	M2M_SAIP_F_POL1,
	M2M_SAIP_F_CONNECTIVITY,
	M2M_SAIP_F_SMSC,
	M2M_SAIP_F__COUNT
} m2m_saip_field;

typedef struct {
	char *value[M2M_SAIP_F__COUNT]; /* NULL: leave as in the package */
	bool iccid_add_check;           /* iccid lacks its check digit: compute it */
} m2m_saip_perso;

/* The field's name ("iccid", "ki"...), NULL for an unknown id. */
const char *m2m_saip_field_name(m2m_saip_field f);
/* The field called name (case-insensitive), or -1. */
int m2m_saip_field_lookup(const char *name);
/* True for the fields that hold key material (never printed). */
bool m2m_saip_field_secret(m2m_saip_field f);

void m2m_saip_perso_init(m2m_saip_perso *p);
void m2m_saip_perso_free(m2m_saip_perso *p);
m2m_err m2m_saip_perso_set(m2m_saip_perso *p, m2m_saip_field f, const char *value);
/* Applies every field given. All values are checked for form (digits, hex, lengths) before
 * the package is changed; a refusal that depends on the package (a PIN reference it does not
 * hold...) can come after earlier fields were applied: discard the package then. */
m2m_err m2m_saip_personalise(m2m_saip_pkg *pkg, const m2m_saip_perso *p, m2m_saip_error *err);

/* Fills p from data row `row` (1-based after the header row) of the CSV text. Empty cells are
 * skipped; unknown columns are errors. err->msg names the line. */
m2m_err m2m_saip_perso_csv(const char *text, size_t len, unsigned long row, m2m_saip_perso *p,
			   m2m_saip_error *err);
/* As m2m_saip_perso_csv, from a file (M2M_ERR_IO if it cannot be read). */
m2m_err m2m_saip_perso_csv_file(const char *path, unsigned long row, m2m_saip_perso *p,
				m2m_saip_error *err);

#endif
