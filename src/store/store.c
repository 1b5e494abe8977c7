/* Opening a store by URL, errors, transactions and the small helpers every table uses. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/hex.h"
#include "store/store_int.h"

m2m_err m2m_store_fail(m2m_store *st, m2m_err rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof st->err, fmt, ap);
	va_end(ap);
	return rc;
}

void m2m_store_clear_err(m2m_store *st)
{
	st->err[0] = '\0';
}

const char *m2m_store_errmsg(const m2m_store *st)
{
	return st != NULL ? st->err : "no store";
}

const char *m2m_store_backend(const m2m_store *st)
{
	return st != NULL ? st->drv->name : "";
}

int64_t m2m_store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "scheme://" with an RFC 3986 scheme name; *len gets the name's length. */
static bool url_scheme(const char *url, size_t *len)
{
	size_t i = 0;

	if (!isalpha((unsigned char)url[0]))
		return false;
	while (isalnum((unsigned char)url[i]) || url[i] == '+' || url[i] == '-' || url[i] == '.')
		i++;
	*len = i;
	return strncmp(url + i, "://", 3) == 0;
}

static const m2m_store_drv *pick_driver(const char *url, char *errbuf, size_t errlen)
{
	static const m2m_store_drv *const drivers[] = {&m2m_store_drv_pg, &m2m_store_drv_sqlite};
	size_t n = 0;

	for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
		if (drivers[i]->accepts(url))
			return drivers[i];
	if (url_scheme(url, &n))
		snprintf(errbuf, errlen,
			 "unsupported database URL scheme '%.*s' (use sqlite:PATH, a file path or"
			 " postgresql://...)", (int)(n > 32 ? 32 : n), url);
	else
		snprintf(errbuf, errlen, "unsupported database URL");
	return NULL;
}

static m2m_err set_key(m2m_store *st, const char *hex)
{
	size_t len = strlen(hex);

	if (len != 2 * M2M_STORE_MASTER_KEY_SIZE ||
	    m2m_hex_decode_exact(hex, st->key, M2M_STORE_MASTER_KEY_SIZE) != M2M_OK) {
		m2m_wipe(st->key, sizeof st->key);
		return m2m_store_fail(st, M2M_ERR_ARG,
				      "the master key must be %d hex digits (AES-256), got %zu"
				      " characters", 2 * M2M_STORE_MASTER_KEY_SIZE, len);
	}
	st->has_key = true;
	return M2M_OK;
}

m2m_err m2m_store_open_at(const char *url, const char *master_key_hex, int version,
			  m2m_store **out, char *errbuf, size_t errlen)
{
	char dummy[8];
	m2m_store *st = NULL;
	m2m_err rc;

	if (errbuf == NULL || errlen == 0) {
		errbuf = dummy;
		errlen = sizeof dummy;
	}
	errbuf[0] = '\0';
	if (out == NULL)
		return M2M_ERR_ARG;
	*out = NULL;
	if (url == NULL || *url == '\0') {
		snprintf(errbuf, errlen, "empty database URL");
		return M2M_ERR_ARG;
	}
	const m2m_store_drv *drv = pick_driver(url, errbuf, errlen);
	if (drv == NULL)
		return M2M_ERR_ARG;
	st = calloc(1, sizeof *st);
	if (st == NULL) {
		snprintf(errbuf, errlen, "out of memory");
		return M2M_ERR_NOMEM;
	}
	st->drv = drv;
	rc = master_key_hex != NULL ? set_key(st, master_key_hex) : M2M_OK;
	if (rc == M2M_OK)
		rc = drv->open(st, url);
	if (rc != M2M_OK) {
		snprintf(errbuf, errlen, "%s", st->err);
		m2m_wipe(st->key, sizeof st->key);
		free(st);
		return rc;
	}
	rc = m2m_store_migrate(st, version);
	if (rc == M2M_OK && st->has_key)
		rc = m2m_store_key_check(st);
	if (rc != M2M_OK) {
		snprintf(errbuf, errlen, "%s", st->err);
		m2m_store_close(st);
		return rc;
	}
	*out = st;
	return M2M_OK;
}

m2m_err m2m_store_open(const char *url, const char *master_key_hex, m2m_store **out,
		       char *errbuf, size_t errlen)
{
	return m2m_store_open_at(url, master_key_hex, 0, out, errbuf, errlen);
}

void m2m_store_close(m2m_store *st)
{
	if (st == NULL)
		return;
	if (st->in_txn)
		st->drv->rollback(st);
	st->drv->close(st);
	m2m_wipe(st->key, sizeof st->key);
	free(st);
}

/* ---- Transactions ------------------------------------------------------------------------ */

m2m_err m2m_store_begin(m2m_store *st)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	if (st->in_txn)
		return m2m_store_fail(st, M2M_ERR_STATE, "a transaction is already open");
	m2m_err rc = st->drv->begin(st);
	if (rc == M2M_OK)
		st->in_txn = st->user_txn = true;
	return rc;
}

m2m_err m2m_store_commit(m2m_store *st)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	if (!st->user_txn)
		return m2m_store_fail(st, M2M_ERR_STATE, "commit without a transaction");
	st->in_txn = st->user_txn = false;
	m2m_err rc = st->drv->commit(st);
	if (rc != M2M_OK)
		st->drv->rollback(st);
	return rc;
}

m2m_err m2m_store_rollback(m2m_store *st)
{
	if (st == NULL)
		return M2M_ERR_ARG;
	if (!st->user_txn)
		return m2m_store_fail(st, M2M_ERR_STATE, "rollback without a transaction");
	st->in_txn = st->user_txn = false;
	return st->drv->rollback(st);
}

bool m2m_store_in_transaction(const m2m_store *st)
{
	return st != NULL && st->user_txn;
}

m2m_err m2m_store_txn_enter(m2m_store *st, bool *own)
{
	*own = false;
	if (st->in_txn)
		return M2M_OK;
	m2m_err rc = st->drv->begin(st);
	if (rc != M2M_OK)
		return rc;
	st->in_txn = *own = true;
	return M2M_OK;
}

m2m_err m2m_store_txn_leave(m2m_store *st, bool own, m2m_err rc)
{
	if (!own)
		return rc;
	st->in_txn = false;
	if (rc != M2M_OK) {
		/* Keep the failure's message, not the rollback's. */
		char why[sizeof st->err];

		memcpy(why, st->err, sizeof why);
		st->drv->rollback(st);
		memcpy(st->err, why, sizeof why);
		return rc;
	}
	rc = st->drv->commit(st);
	if (rc != M2M_OK)
		st->drv->rollback(st);
	return rc;
}

/* ---- Helpers ----------------------------------------------------------------------------- */

m2m_err m2m_store_check_text(m2m_store *st, const char *what, const char *s, size_t size,
			     bool required)
{
	if (s == NULL)
		return required ? m2m_store_fail(st, M2M_ERR_ARG, "%s is missing", what) : M2M_OK;
	size_t n = strnlen(s, size);
	if (n == size)
		return m2m_store_fail(st, M2M_ERR_ARG, "%s is longer than %zu characters", what,
				      size - 1);
	if (required && n == 0)
		return m2m_store_fail(st, M2M_ERR_ARG, "%s is empty", what);
	return M2M_OK;
}

m2m_err m2m_store_grow(m2m_store *st, void **arr, size_t elem, size_t n, size_t *cap)
{
	if (n < *cap)
		return M2M_OK;
	size_t ncap = *cap ? *cap * 2 : 8;
	uint8_t *p = realloc(*arr, ncap * elem);
	if (p == NULL)
		return m2m_store_fail(st, M2M_ERR_NOMEM, "out of memory");
	memset(p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return M2M_OK;
}
