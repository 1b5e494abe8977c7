/* The test PKI of `m2mrsp pki init` (docs/pki.md): entities, files and their making. */
#ifndef M2M_CLI_PKI_INIT_H
#define M2M_CLI_PKI_INIT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"
#include "crypto/ec.h"

/* Makes every key and certificate in dir (created if missing; an existing file is
 * M2M_ERR_STATE unless force). Returns M2M_OK or the first error; what gets the file or
 * step that failed. */
m2m_err m2m_pki_init(const char *dir, m2m_curve curve, int days, bool force, char *what,
		     size_t what_cap);

#endif
