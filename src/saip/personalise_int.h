/* Helpers shared by the personalisation files (not part of the public API). */
#ifndef M2M_SAIP_PERSONALISE_INT_H
#define M2M_SAIP_PERSONALISE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "File.h"
#include "OCTET_STRING.h"
#include "saip/personalise.h"

#define M2M_SAIP_NO_INDEX ((size_t)-1)

/* Fills err (when not NULL) for element index (M2M_SAIP_NO_INDEX: none) and returns code. */
m2m_err m2m_saip_perso_fail(m2m_saip_error *err, m2m_err code, const m2m_saip_pkg *pkg,
			    size_t index, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* True if s is min..max decimal digits. */
bool m2m_saip_perso_digits(const char *s, size_t min, size_t max);
/* Replaces the contents of os, wiping the old ones (they may be keys). */
m2m_err m2m_saip_perso_os_set(OCTET_STRING_t *os, const uint8_t *p, size_t n);
/* As m2m_saip_perso_os_set for an OPTIONAL member, allocating it when absent. */
m2m_err m2m_saip_perso_os_put(OCTET_STRING_t **os, const uint8_t *p, size_t n);
/* Replaces the content of a file (every fillFileOffset/fillFileContent) by p, from offset 0.
 * M2M_ERR_STATE if the file is marked doNotCreate. */
m2m_err m2m_saip_perso_file_set(File_t *f, const uint8_t *p, size_t n);
/* Packs digits into BCD, two per byte, first digit in the high nibble (swap: low nibble),
 * F padded to out_len bytes. */
void m2m_saip_perso_bcd(const char *digits, bool swap, uint8_t *out, size_t out_len);

#endif
